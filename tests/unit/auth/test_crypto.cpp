// The small building blocks: constant-time comparison and random tokens.
#include "auth/auth.hpp"

#include "common/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace sb::auth;

namespace {

bool is_base64url(const std::string& s) {
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

}  // namespace

TEST(ConstantTimeEqual, EqualContentsAreEqual) {
    EXPECT_TRUE(constant_time_equal("secret-token", "secret-token"));
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
}

TEST(ConstantTimeEqual, AnyDifferenceInContentOrLengthIsUnequal) {
    EXPECT_FALSE(constant_time_equal("secret-token", "secret-tokeN"));
    EXPECT_FALSE(constant_time_equal("secret-token", "Secret-token"));
    EXPECT_FALSE(constant_time_equal("secret-token", "secret-token "));
    EXPECT_FALSE(constant_time_equal("secret", ""));
    EXPECT_FALSE(constant_time_equal("", "secret"));
    EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
    EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), "a"));
}

TEST(RandomToken, ThirtyTwoBytesAre43Base64UrlCharactersWithoutPadding) {
    std::string t = random_token();
    EXPECT_EQ(t.size(), 43u);
    EXPECT_TRUE(is_base64url(t)) << t;
    EXPECT_EQ(random_token(16).size(), 22u);
    EXPECT_EQ(random_token(1).size(), 2u);
}

TEST(RandomToken, TokensDoNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(random_token()).second);
}

TEST(RandomToken, AZeroByteTokenIsRefused) { EXPECT_THROW(random_token(0), sb::Error); }
