#include "auth/auth.hpp"
#include "auth/sodium_init.hpp"

#include "common/error.hpp"
#include "common/hash.hpp"

#include <sodium.h>

namespace sb::auth {

namespace {

// What someone typed, as the code would be shown: upper case, without spaces or dashes.
std::string normalise_code(const std::string& typed) {
    std::string out;
    for (char c : typed) {
        if (c == ' ' || c == '-' || c == '\t') continue;
        out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

// Tokens are 32 bytes in base64url (43 characters); anything much longer is not one of ours.
constexpr std::size_t max_token_length = 256;

}  // namespace

Pairing::Pairing(Catalog& catalog, std::shared_ptr<const Clock> clock) : catalog_(catalog), clock_(std::move(clock)) {
    if (!clock_) throw Error("Pairing needs a clock");
    detail::ensure_sodium();
}

Pairing::Code Pairing::new_code() {
    std::string code(code_length, '\0');
    for (char& c : code) c = alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))];
    std::lock_guard lock(mu_);
    code_ = code;
    code_expires_ = clock_->now() + code_lifetime;
    wrong_tries_ = 0;
    return Code{code, iso8601_utc(code_expires_)};
}

std::optional<std::string> Pairing::pair(const std::string& code, const std::string& host_name) {
    std::lock_guard lock(mu_);
    if (code_.empty()) return std::nullopt;
    if (clock_->now() >= code_expires_) {
        code_.clear();
        return std::nullopt;
    }
    if (!constant_time_equal(normalise_code(code.substr(0, 64)), code_)) {
        if (++wrong_tries_ >= max_wrong_codes) code_.clear();
        return std::nullopt;
    }
    std::string token = random_token(32);
    catalog_.add_sync_laptop(host_name, sha256_hex(token));  // throws for a bad host name: the code stays
    code_.clear();
    return token;
}

std::optional<std::int64_t> Pairing::laptop_id(const std::string& token) const {
    if (token.empty() || token.size() > max_token_length) return std::nullopt;
    const std::string hash = sha256_hex(token);
    // The lookup goes through the catalog's index, whose timing can at most hint at the hash of
    // a guess, never at a real token; the final check is constant-time.
    std::optional<SyncLaptop> laptop = catalog_.sync_laptop_by_token_hash(hash);
    if (!laptop || laptop->revoked || !constant_time_equal(laptop->token_sha256, hash)) return std::nullopt;
    return laptop->id;
}

bool Pairing::token_valid(const std::string& token) const { return laptop_id(token).has_value(); }

void Pairing::record_seen(std::int64_t id, std::optional<std::int64_t> acked_seq) {
    catalog_.record_sync_laptop_seen(id, acked_seq);
}

std::vector<Pairing::Laptop> Pairing::laptops() const {
    std::vector<Laptop> out;
    for (const SyncLaptop& l : catalog_.sync_laptops())
        out.push_back(Laptop{l.id, l.host_name, l.paired_at, l.last_seen_at, l.last_seq});
    return out;
}

void Pairing::revoke(std::int64_t id) { catalog_.revoke_sync_laptop(id); }

}  // namespace sb::auth
