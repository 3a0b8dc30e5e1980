#include "auth/auth.hpp"
#include "auth/sodium_init.hpp"

#include "common/error.hpp"
#include "common/hash.hpp"

#include <algorithm>

namespace sb::auth {

namespace {

// Sessions are filed under the token's SHA-256: a map lookup compares keys byte by byte and
// stops early, which must not tell an attacker how much of a real token they have guessed.
std::string key_of(const std::string& token) { return sha256_hex(token); }

}  // namespace

Sessions::Sessions(std::shared_ptr<const Clock> clock, std::chrono::seconds idle) : clock_(std::move(clock)), idle_(idle) {
    if (!clock_) throw Error("Sessions needs a clock");
    if (idle_ <= std::chrono::seconds::zero()) throw Error("Sessions needs a positive idle timeout");
    detail::ensure_sodium();
}

bool Sessions::expired(const Entry& e, std::chrono::system_clock::time_point now) const {
    const auto elapsed = now - e.last_used;
    // A clock that jumped far back would otherwise keep the session alive until it caught up.
    return elapsed >= idle_ || elapsed <= -idle_;
}

Sessions::Session Sessions::create() {
    Session s{random_token(32), random_token(32)};
    const std::string key = key_of(s.token);
    std::lock_guard lock(mu_);
    const auto now = clock_->now();
    std::erase_if(by_hash_, [&](const auto& kv) { return expired(kv.second, now); });
    while (by_hash_.size() >= max_sessions) {
        auto oldest = std::min_element(by_hash_.begin(), by_hash_.end(), [](const auto& a, const auto& b) {
            return a.second.last_used < b.second.last_used;
        });
        by_hash_.erase(oldest);
    }
    by_hash_[key] = Entry{s.csrf, now};
    return s;
}

std::optional<Sessions::Session> Sessions::find(const std::string& token) {
    if (token.empty()) return std::nullopt;
    const std::string key = key_of(token);
    std::lock_guard lock(mu_);
    auto it = by_hash_.find(key);
    if (it == by_hash_.end()) return std::nullopt;
    const auto now = clock_->now();
    if (expired(it->second, now)) {
        by_hash_.erase(it);
        return std::nullopt;
    }
    it->second.last_used = now;
    return Session{token, it->second.csrf};
}

bool Sessions::check_csrf(const std::string& token, const std::string& csrf) {
    if (token.empty()) return false;
    const std::string key = key_of(token);
    std::lock_guard lock(mu_);
    auto it = by_hash_.find(key);
    if (it == by_hash_.end()) return false;
    if (expired(it->second, clock_->now())) {
        by_hash_.erase(it);
        return false;
    }
    return constant_time_equal(it->second.csrf, csrf);
}

void Sessions::remove(const std::string& token) {
    const std::string key = key_of(token);
    std::lock_guard lock(mu_);
    by_hash_.erase(key);
}

std::size_t Sessions::count() const {
    std::lock_guard lock(mu_);
    const auto now = clock_->now();
    return static_cast<std::size_t>(
        std::count_if(by_hash_.begin(), by_hash_.end(), [&](const auto& kv) { return !expired(kv.second, now); }));
}

}  // namespace sb::auth
