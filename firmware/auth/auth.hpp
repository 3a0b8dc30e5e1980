#pragma once
// Who may use the booth's admin and sync interfaces: the librarian's PIN (with a booth-wide
// lockout), the librarian's sessions (cookie token + CSRF token, idle logout), and the pairing
// of sync laptops (a one-time code exchanged for a long-lived token that the booth stores only
// as a SHA-256).
//
// Secrets are compared in constant time and never logged; PIN hashes are Argon2id (libsodium).
// Every class here is safe to share between threads.
#include "catalog/catalog.hpp"
#include "common/clock.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::auth {

// The librarian PIN. Only its Argon2id hash (libsodium's crypto_pwhash_str, interactive limits)
// is kept, in the catalog setting "admin_pin_hash"; never the PIN itself.
//
// Lockout: `max_attempts` wrong PINs in a row lock login for `lockout` for the whole booth (not
// per client). The count and the lock's expiry are catalog settings ("admin_pin_failures",
// "admin_pin_locked_until_ms"), so a restart clears neither. If the wall clock jumps back, a lock
// still lasts at most `lockout` from now. Use one PinStore per booth: calls are serialised, so
// guesses cannot race each other past the count.
class PinStore {
public:
    // Argon2id cost of the stored hash. libsodium's "interactive" preset takes 64 MiB, which
    // would quadruple the booth daemon's memory at every login; 8 MiB with 32 passes costs a
    // guesser a similar time per try (measured 65 ms against the preset's 76 ms) in an eighth
    // of the memory.
    static constexpr unsigned long long hash_ops_limit = 32;
    static constexpr std::size_t hash_mem_limit = 8u << 20;
    static constexpr int max_attempts = 5;
    static constexpr std::chrono::seconds lockout{std::chrono::minutes(5)};
    static constexpr std::size_t min_digits = 4, max_digits = 12;

    // The Argon2id limits new hashes are made with; a stored hash made with other limits is
    // rehashed with these at the next right PIN.
    struct HashCost {
        unsigned long long ops_limit;
        std::size_t mem_limit;
    };
    // What the booth uses. Always this outside the tests.
    static constexpr HashCost production_cost{hash_ops_limit, hash_mem_limit};
    // libsodium's minimum (microseconds): for tests about the PIN rules and the lockout, which
    // would otherwise spend seconds per hash on a slow or emulated CPU. sb::Error if a PinStore
    // is given limits below it.
    static constexpr HashCost cheapest_cost{1, 8u << 10};

    PinStore(Catalog& catalog, std::shared_ptr<const Clock> clock, HashCost cost = production_cost);

    bool has_pin() const;
    // Sets (or replaces) the PIN: 4 to 12 digits 0-9, else sb::Error with a reason a librarian
    // can read. Clears any lockout. sb::Error also if hashing fails (out of memory).
    void set_pin(const std::string& pin);

    enum class Result {
        ok,      // the right PIN; the failure count is reset
        wrong,   // a wrong PIN; attempts_left more before the lock
        locked,  // refused unchecked (even the right PIN) for locked_seconds more; also the
                 // answer to the wrong PIN that sets the lock
        no_pin,  // no PIN has been set yet
    };
    struct Check {
        Result result;
        int attempts_left = 0;            // wrong PINs still allowed before the lock
        std::int64_t locked_seconds = 0;  // while locked: seconds until it lifts, rounded up
    };
    // Checks a PIN against the stored hash in constant time (Argon2id verification).
    Check verify(const std::string& pin);

private:
    Catalog& catalog_;
    std::shared_ptr<const Clock> clock_;
    HashCost cost_;
    mutable std::mutex mu_;
};

// The librarian's sessions, in memory (a restart logs everyone out). Each has an unguessable
// token for the cookie and a separate CSRF token for forms; both are 32 random bytes in
// base64url. A session ends after `idle` without use, checked on every use. Tokens are kept
// under their SHA-256, so looking one up leaks nothing about the others through timing.
class Sessions {
public:
    static constexpr std::size_t max_sessions = 64;  // creating one more drops the least recently used

    explicit Sessions(std::shared_ptr<const Clock> clock, std::chrono::seconds idle = std::chrono::minutes(10));

    struct Session {
        std::string token, csrf;
    };
    Session create();
    // The session, if the token names one that has not idled out: touches it (its idle timer
    // restarts). An idled-out session is removed.
    std::optional<Session> find(const std::string& token);
    // True when the token names a live session and `csrf` is its CSRF token (constant-time
    // compare). Does not touch the session.
    bool check_csrf(const std::string& token, const std::string& csrf);
    void remove(const std::string& token);
    // Live (not idled-out) sessions.
    std::size_t count() const;

private:
    struct Entry {
        std::string csrf;
        std::chrono::system_clock::time_point last_used;
    };
    bool expired(const Entry& e, std::chrono::system_clock::time_point now) const;

    std::shared_ptr<const Clock> clock_;
    std::chrono::seconds idle_;
    mutable std::mutex mu_;
    std::map<std::string, Entry> by_hash_;  // SHA-256 hex of the token -> session
};

// Pairing of sync laptops. The admin page shows a one-time code: 8 characters from an alphabet
// without look-alikes (no 0/O, 1/I), valid for 10 minutes, good for one pairing, and kept only in
// memory. `storysync pair` exchanges it for a long-lived token (32 random bytes, base64url); the
// catalog keeps only the token's SHA-256 (hex) and the laptop's host name.
class Pairing {
public:
    static constexpr std::string_view alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    static constexpr std::size_t code_length = 8;
    static constexpr std::chrono::seconds code_lifetime{std::chrono::minutes(10)};
    static constexpr int max_wrong_codes = 10;  // wrong tries that use up the current code

    Pairing(Catalog& catalog, std::shared_ptr<const Clock> clock);

    struct Code {
        std::string code;
        std::string expires_at;  // ISO 8601 UTC
    };
    // A fresh code; the previous one, used or not, stops working.
    Code new_code();
    // Exchanges the current code (case, spaces and '-' ignored) for a new token, recording the
    // laptop under `host_name`. Returns the token: the only time it exists in clear. nullopt
    // when the code is wrong, used or expired; after max_wrong_codes wrong tries the code is
    // used up. A host name the catalog refuses (empty, control characters, over 255 bytes)
    // throws CatalogError and leaves the code usable.
    std::optional<std::string> pair(const std::string& code, const std::string& host_name);

    // True when the token belongs to a paired laptop that has not been revoked.
    bool token_valid(const std::string& token) const;
    // The id of the (unrevoked) laptop holding this token, for record_seen.
    std::optional<std::int64_t> laptop_id(const std::string& token) const;
    // The laptop just synced; `acked_seq` is the change-log seq it confirmed having.
    void record_seen(std::int64_t id, std::optional<std::int64_t> acked_seq = std::nullopt);

    struct Laptop {
        std::int64_t id;
        std::string host_name, paired_at, last_seen_at;
        std::int64_t last_seq;
    };
    // Paired, unrevoked laptops in pairing order.
    std::vector<Laptop> laptops() const;
    // Its token stops working at once. Throws CatalogError (not_found) for an unknown id.
    void revoke(std::int64_t id);

private:
    Catalog& catalog_;
    std::shared_ptr<const Clock> clock_;
    mutable std::mutex mu_;
    std::string code_;  // empty: none outstanding
    std::chrono::system_clock::time_point code_expires_;
    int wrong_tries_ = 0;
};

// Equal contents, compared in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// `bytes` random bytes from the OS CSPRNG, as base64url without padding.
std::string random_token(std::size_t bytes = 32);

}  // namespace sb::auth
