#include "auth/auth.hpp"
#include "auth/sodium_init.hpp"

#include "common/error.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>

namespace sb::auth {

namespace {

constexpr const char* key_hash = "admin_pin_hash";
constexpr const char* key_failures = "admin_pin_failures";
constexpr const char* key_locked_until = "admin_pin_locked_until_ms";  // Unix time in ms; 0: not locked

std::int64_t parse_int(const std::string& text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return 0;
    return value;
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

constexpr std::int64_t lockout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(PinStore::lockout).count();

std::string hash_pin(const std::string& pin, PinStore::HashCost cost) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, pin.data(), pin.size(), cost.ops_limit, cost.mem_limit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw Error("could not hash the PIN: not enough memory");
    return std::string(out);
}

}  // namespace

PinStore::PinStore(Catalog& catalog, std::shared_ptr<const Clock> clock, HashCost cost)
    : catalog_(catalog), clock_(std::move(clock)), cost_(cost) {
    if (!clock_) throw Error("PinStore needs a clock");
    static_assert(cheapest_cost.ops_limit == crypto_pwhash_argon2id_OPSLIMIT_MIN &&
                  cheapest_cost.mem_limit == crypto_pwhash_argon2id_MEMLIMIT_MIN);
    if (cost_.ops_limit < cheapest_cost.ops_limit || cost_.mem_limit < cheapest_cost.mem_limit)
        throw Error("PinStore: the Argon2id limits are below libsodium's minimum");
    detail::ensure_sodium();
}

bool PinStore::has_pin() const {
    std::lock_guard lock(mu_);
    return !catalog_.setting(key_hash, "").empty();
}

void PinStore::set_pin(const std::string& pin) {
    if (!std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw Error("The PIN can only contain the digits 0 to 9.");
    if (pin.size() < min_digits || pin.size() > max_digits)
        throw Error("The PIN must be " + std::to_string(min_digits) + " to " + std::to_string(max_digits) +
                    " digits long.");
    std::string hash = hash_pin(pin, cost_);
    std::lock_guard lock(mu_);
    catalog_.set_setting(key_hash, hash);
    catalog_.set_setting(key_locked_until, "0");
    catalog_.set_setting(key_failures, "0");
}

PinStore::Check PinStore::verify(const std::string& pin) {
    // Held through the hash check too: guesses are answered one at a time, which also keeps
    // them from racing each other past the failure count.
    std::lock_guard lock(mu_);
    const std::string hash = catalog_.setting(key_hash, "");
    if (hash.empty()) return Check{Result::no_pin};

    const std::int64_t now = unix_ms(clock_->now());
    std::int64_t failures = std::clamp<std::int64_t>(parse_int(catalog_.setting(key_failures, "0")), 0, max_attempts);
    std::int64_t locked_until = parse_int(catalog_.setting(key_locked_until, "0"));

    if (locked_until > now) {
        // A clock that jumped back must not turn five minutes into years: re-anchor the lock.
        if (locked_until - now > lockout_ms) {
            locked_until = now + lockout_ms;
            catalog_.set_setting(key_locked_until, std::to_string(locked_until));
        }
        return Check{Result::locked, 0, (locked_until - now + 999) / 1000};
    }
    if (locked_until != 0) {  // the lock has run out: a fresh set of attempts
        catalog_.set_setting(key_locked_until, "0");
        catalog_.set_setting(key_failures, "0");
        failures = 0;
    }

    if (crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0) {
        if (failures != 0) catalog_.set_setting(key_failures, "0");
        // A hash made with older (weaker) limits is upgraded while the PIN is at hand.
        if (crypto_pwhash_str_needs_rehash(hash.c_str(), cost_.ops_limit, cost_.mem_limit) != 0) {
            try {
                catalog_.set_setting(key_hash, hash_pin(pin, cost_));
            } catch (const Error&) {
                // The old hash still works; try again next time.
            }
        }
        return Check{Result::ok, max_attempts};
    }

    ++failures;
    if (failures >= max_attempts) {
        catalog_.set_setting(key_locked_until, std::to_string(now + lockout_ms));
        catalog_.set_setting(key_failures, "0");
        return Check{Result::locked, 0, lockout_ms / 1000};
    }
    catalog_.set_setting(key_failures, std::to_string(failures));
    return Check{Result::wrong, static_cast<int>(max_attempts - failures)};
}

}  // namespace sb::auth
