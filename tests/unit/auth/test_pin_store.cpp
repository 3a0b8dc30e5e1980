// The librarian PIN: format, Argon2id storage, and the booth-wide lockout.
//
// A hash with the booth's limits takes ~70 ms here and seconds on an emulated CPU (qemu-user, for
// the arm64 build), so the tests about the PIN rules and the lockout use a PinStore that hashes
// with libsodium's minimum limits (PinStore::cheapest_cost) and plant hashes made that cheaply:
// the logic does not care what the hash cost. The tests about hashing itself use the booth's
// own limits (PinStore::production_cost, the default).
#include "auth_test_util.hpp"

#include "common/error.hpp"

#include <gmock/gmock.h>
#include <sodium.h>

using namespace sb;
using namespace sb::auth;
using namespace sb::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Result = PinStore::Result;

// For the tests about rules and counting; the hashing tests construct PinStore without it.
constexpr PinStore::HashCost logic_cost = PinStore::cheapest_cost;

namespace {

constexpr const char* the_pin = "2468";
constexpr const char* not_the_pin = "2469";

// An Argon2id hash of `pin` made as cheaply as libsodium allows (microseconds to check).
std::string cheap_hash(const std::string& pin) {
    if (sodium_init() < 0) throw Error("sodium_init failed");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw Error("crypto_pwhash_str_alg failed");
    return out;
}

class PinStoreTest : public AuthTest {
protected:
    // Sets the_pin with a cheap hash, for tests about counting and locking.
    void plant_cheap_pin() { catalog().set_setting("admin_pin_hash", cheap_hash(the_pin)); }

    void lock_out(PinStore& pins) {
        for (int i = 0; i < PinStore::max_attempts; ++i) pins.verify(not_the_pin);
        ASSERT_EQ(pins.verify(the_pin).result, Result::locked);
    }

    std::string error_for(PinStore& pins, const std::string& pin) {
        try {
            pins.set_pin(pin);
        } catch (const Error& e) {
            return e.what();
        }
        ADD_FAILURE() << "set_pin accepted '" << pin << "'";
        return {};
    }
};

}  // namespace

TEST_F(PinStoreTest, ThereIsNoPinUntilOneIsSet) {
    PinStore pins(catalog(), clock_, logic_cost);
    EXPECT_FALSE(pins.has_pin());
    EXPECT_EQ(pins.verify("1234").result, Result::no_pin);
    EXPECT_EQ(catalog().setting("admin_pin_failures", "0"), "0");  // not counted as a failure
}

TEST_F(PinStoreTest, TheRightPinVerifiesAndAWrongOneDoesNot) {
    PinStore pins(catalog(), clock_);
    pins.set_pin(the_pin);
    EXPECT_TRUE(pins.has_pin());
    PinStore::Check ok = pins.verify(the_pin);
    EXPECT_EQ(ok.result, Result::ok);
    EXPECT_EQ(ok.attempts_left, PinStore::max_attempts);
    EXPECT_EQ(ok.locked_seconds, 0);
    EXPECT_EQ(pins.verify(not_the_pin).result, Result::wrong);
}

TEST_F(PinStoreTest, APinMustBeFourToTwelveDigits) {
    PinStore pins(catalog(), clock_, logic_cost);
    for (const char* bad : {"", "1", "123", "1234567890123"})
        EXPECT_THAT(error_for(pins, bad), HasSubstr("4 to 12 digits")) << bad;
    for (const char* bad : {"12a4", "12 34", " 1234", "1234 ", "-1234", "+1234", "12.34", "abcd", "١٢٣٤", "１２３４"})
        EXPECT_THAT(error_for(pins, bad), HasSubstr("only contain the digits 0 to 9")) << bad;
    EXPECT_THAT(error_for(pins, std::string("12\0" "34", 5)), HasSubstr("digits 0 to 9"));
    EXPECT_FALSE(pins.has_pin());  // nothing refused was stored

    EXPECT_NO_THROW(pins.set_pin("0042"));          // shortest, leading zeros kept
    EXPECT_NO_THROW(pins.set_pin("123456789012"));  // longest
    EXPECT_TRUE(pins.has_pin());
}

TEST_F(PinStoreTest, TheStoredHashIsArgon2idAndNeverThePin) {
    PinStore pins(catalog(), clock_);
    pins.set_pin(the_pin);
    const std::string hash = catalog().setting("admin_pin_hash", "");
    EXPECT_THAT(hash, StartsWith("$argon2id$"));
    EXPECT_NE(hash, the_pin);
    // The booth's own limits (PinStore::production_cost): a PinStore made without a cost uses them.
    EXPECT_EQ(crypto_pwhash_str_needs_rehash(hash.c_str(), sb::auth::PinStore::hash_ops_limit,
                                             sb::auth::PinStore::hash_mem_limit),
              0);
    for (const char* key : {"admin_pin_failures", "admin_pin_locked_until_ms"})
        EXPECT_NE(catalog().setting(key, ""), the_pin) << key;
}

TEST_F(PinStoreTest, SettingANewPinReplacesTheOldOneAndLiftsALock) {
    plant_cheap_pin();
    PinStore pins(catalog(), clock_, logic_cost);
    lock_out(pins);
    pins.set_pin("97531");
    EXPECT_EQ(pins.verify("97531").result, Result::ok);
    EXPECT_EQ(pins.verify(the_pin).result, Result::wrong);
}

TEST_F(PinStoreTest, EachWrongPinCountsDownTheAttemptsLeft) {
    plant_cheap_pin();
    PinStore pins(catalog(), clock_, logic_cost);
    for (int left = PinStore::max_attempts - 1; left >= 1; --left) {
        PinStore::Check c = pins.verify(not_the_pin);
        EXPECT_EQ(c.result, Result::wrong);
        EXPECT_EQ(c.attempts_left, left);
    }
    // Not only near misses count: anything that is not the PIN.
    EXPECT_EQ(pins.verify("").result, Result::locked);
}

TEST_F(PinStoreTest, FiveWrongPinsLockLoginAndEvenTheRightPinIsRefused) {
    plant_cheap_pin();
    PinStore pins(catalog(), clock_, logic_cost);
    for (int i = 1; i < PinStore::max_attempts; ++i) ASSERT_EQ(pins.verify(not_the_pin).result, Result::wrong);
    PinStore::Check fifth = pins.verify(not_the_pin);
    EXPECT_EQ(fifth.result, Result::locked);
    EXPECT_EQ(fifth.attempts_left, 0);
    EXPECT_EQ(fifth.locked_seconds, 300);

    clock_->advance(1min);
    PinStore::Check right = pins.verify(the_pin);
    EXPECT_EQ(right.result, Result::locked);
    EXPECT_EQ(right.locked_seconds, 240);

    clock_->advance(3min + 59s + 500ms);
    PinStore::Check almost = pins.verify(the_pin);
    EXPECT_EQ(almost.result, Result::locked);
    EXPECT_EQ(almost.locked_seconds, 1);  // rounded up, never "locked for 0 seconds"
}

TEST_F(PinStoreTest, TheLockLiftsAfterFiveMinutesWithAFreshSetOfAttempts) {
    plant_cheap_pin();
    PinStore pins(catalog(), clock_, logic_cost);
    lock_out(pins);
    clock_->advance(5min);
    PinStore::Check c = pins.verify(not_the_pin);
    EXPECT_EQ(c.result, Result::wrong);
    EXPECT_EQ(c.attempts_left, PinStore::max_attempts - 1);
    EXPECT_EQ(pins.verify(the_pin).result, Result::ok);
}

TEST_F(PinStoreTest, TheLockAndTheCountSurviveARestart) {
    plant_cheap_pin();
    {
        PinStore pins(catalog(), clock_, logic_cost);
        for (int i = 0; i < 3; ++i) pins.verify(not_the_pin);
    }
    reopen();
    {
        PinStore pins(catalog(), clock_, logic_cost);
        EXPECT_EQ(pins.verify(not_the_pin).attempts_left, 1);
        EXPECT_EQ(pins.verify(not_the_pin).result, Result::locked);
    }
    reopen();
    clock_->advance(2min);
    PinStore pins(catalog(), clock_, logic_cost);
    PinStore::Check c = pins.verify(the_pin);
    EXPECT_EQ(c.result, Result::locked);
    EXPECT_EQ(c.locked_seconds, 180);
}

TEST_F(PinStoreTest, TheCountIsForTheWholeBoothNotPerClient) {
    plant_cheap_pin();
    PinStore touchscreen(catalog(), clock_, logic_cost);
    PinStore lan(catalog(), clock_, logic_cost);
    for (int i = 0; i < 3; ++i) touchscreen.verify(not_the_pin);
    EXPECT_EQ(lan.verify(not_the_pin).attempts_left, 1);
    EXPECT_EQ(lan.verify(not_the_pin).result, Result::locked);
    EXPECT_EQ(touchscreen.verify(the_pin).result, Result::locked);
}

TEST_F(PinStoreTest, TheRightPinResetsTheCount) {
    plant_cheap_pin();
    PinStore pins(catalog(), clock_, logic_cost);
    for (int i = 0; i < PinStore::max_attempts - 1; ++i) pins.verify(not_the_pin);
    EXPECT_EQ(pins.verify(the_pin).result, Result::ok);
    EXPECT_EQ(pins.verify(not_the_pin).attempts_left, PinStore::max_attempts - 1);
}

TEST_F(PinStoreTest, AClockThatJumpsBackDoesNotStretchTheLock) {
    plant_cheap_pin();
    PinStore pins(catalog(), clock_, logic_cost);
    lock_out(pins);
    clock_->advance(-24h * 365);  // e.g. NTP correcting a clock that ran far ahead
    PinStore::Check c = pins.verify(the_pin);
    EXPECT_EQ(c.result, Result::locked);
    EXPECT_LE(c.locked_seconds, 300);
    clock_->advance(5min);
    EXPECT_EQ(pins.verify(not_the_pin).result, Result::wrong);
}

TEST_F(PinStoreTest, AHashWithWeakerLimitsIsUpgradedOnTheNextRightPin) {
    plant_cheap_pin();
    const std::string weak = catalog().setting("admin_pin_hash", "");
    PinStore pins(catalog(), clock_);
    EXPECT_EQ(pins.verify(the_pin).result, Result::ok);
    const std::string upgraded = catalog().setting("admin_pin_hash", "");
    EXPECT_NE(upgraded, weak);
    EXPECT_THAT(upgraded, StartsWith("$argon2id$"));
    EXPECT_EQ(crypto_pwhash_str_needs_rehash(upgraded.c_str(), sb::auth::PinStore::hash_ops_limit,
                                             sb::auth::PinStore::hash_mem_limit),
              0);
}

TEST_F(PinStoreTest, AStoreHashesWithTheLimitsItIsGiven) {
    PinStore pins(catalog(), clock_, logic_cost);
    pins.set_pin(the_pin);
    const std::string hash = catalog().setting("admin_pin_hash", "");
    EXPECT_THAT(hash, StartsWith("$argon2id$"));
    EXPECT_EQ(crypto_pwhash_str_needs_rehash(hash.c_str(), logic_cost.ops_limit, logic_cost.mem_limit), 0);
    EXPECT_NE(crypto_pwhash_str_needs_rehash(hash.c_str(), PinStore::production_cost.ops_limit,
                                             PinStore::production_cost.mem_limit),
              0);
}

TEST_F(PinStoreTest, LimitsBelowLibsodiumsMinimumAreRefused) {
    EXPECT_THROW(PinStore(catalog(), clock_, {0, PinStore::cheapest_cost.mem_limit}), Error);
    EXPECT_THROW(PinStore(catalog(), clock_, {PinStore::cheapest_cost.ops_limit, 1024}), Error);
}
