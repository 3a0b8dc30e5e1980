// Pairing sync laptops: one-time codes, tokens stored only hashed, revocation.
#include "auth_test_util.hpp"

#include "common/hash.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <cctype>
#include <set>

using namespace sb;
using namespace sb::auth;
using namespace sb::test;
using namespace std::chrono_literals;

using PairingTest = AuthTest;

TEST_F(PairingTest, CodesAreEightCharactersWithoutLookAlikes) {
    Pairing pairing(catalog(), clock_);
    for (char c : std::string("0O1I")) EXPECT_EQ(Pairing::alphabet.find(c), std::string_view::npos) << c;
    std::set<std::string> seen;
    std::set<char> used;
    for (int i = 0; i < 300; ++i) {
        Pairing::Code code = pairing.new_code();
        ASSERT_EQ(code.code.size(), 8u);
        for (char c : code.code) {
            EXPECT_NE(Pairing::alphabet.find(c), std::string_view::npos) << code.code;
            used.insert(c);
        }
        seen.insert(code.code);
    }
    EXPECT_EQ(seen.size(), 300u);
    EXPECT_EQ(used.size(), Pairing::alphabet.size());  // 2400 draws from 32 letters reach them all
}

TEST_F(PairingTest, ACodeSaysWhenItExpires) {
    Pairing pairing(catalog(), clock_);
    EXPECT_EQ(pairing.new_code().expires_at, iso8601_utc(clock_->now() + 10min));
}

TEST_F(PairingTest, ACodeWorksForTenMinutes) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code code = pairing.new_code();
    clock_->advance(9min + 59s);
    EXPECT_TRUE(pairing.pair(code.code, "studio-laptop"));
}

TEST_F(PairingTest, AnExpiredCodeIsRefused) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code code = pairing.new_code();
    clock_->advance(10min);
    EXPECT_FALSE(pairing.pair(code.code, "studio-laptop"));
    clock_->advance(-5min);  // even if the clock is then set back
    EXPECT_FALSE(pairing.pair(code.code, "studio-laptop"));
    EXPECT_TRUE(pairing.laptops().empty());
}

TEST_F(PairingTest, ACodePairsOnlyOnce) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code code = pairing.new_code();
    EXPECT_TRUE(pairing.pair(code.code, "first"));
    EXPECT_FALSE(pairing.pair(code.code, "second"));
    ASSERT_EQ(pairing.laptops().size(), 1u);
    EXPECT_EQ(pairing.laptops()[0].host_name, "first");
}

TEST_F(PairingTest, ANewCodeReplacesAnUnusedOne) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code old_code = pairing.new_code();
    Pairing::Code new_code = pairing.new_code();
    EXPECT_FALSE(pairing.pair(old_code.code, "laptop"));
    EXPECT_TRUE(pairing.pair(new_code.code, "laptop"));
}

TEST_F(PairingTest, WithoutACodeNothingPairs) {
    Pairing pairing(catalog(), clock_);
    EXPECT_FALSE(pairing.pair("", "laptop"));
    EXPECT_FALSE(pairing.pair("ABCDEFGH", "laptop"));
}

TEST_F(PairingTest, ATypedCodeMayDifferInCaseSpacesAndDashes) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code code = pairing.new_code();
    std::string typed = code.code.substr(0, 4) + " - " + code.code.substr(4);
    std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_TRUE(pairing.pair(typed, "laptop"));
}

TEST_F(PairingTest, TenWrongCodesUseUpTheCurrentCode) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code code = pairing.new_code();
    std::string wrong = code.code;
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    for (int i = 0; i < Pairing::max_wrong_codes; ++i) EXPECT_FALSE(pairing.pair(wrong, "guesser"));
    EXPECT_FALSE(pairing.pair(code.code, "laptop"));
    EXPECT_TRUE(pairing.pair(pairing.new_code().code, "laptop"));  // a new code starts afresh
}

TEST_F(PairingTest, PairingHandsOutATokenThatIsThenValid) {
    Pairing pairing(catalog(), clock_);
    std::optional<std::string> token = pairing.pair(pairing.new_code().code, "volunteer-mbp.local");
    ASSERT_TRUE(token);
    EXPECT_EQ(token->size(), 43u);
    EXPECT_TRUE(pairing.token_valid(*token));
    EXPECT_FALSE(pairing.token_valid(""));
    EXPECT_FALSE(pairing.token_valid(random_token()));
    EXPECT_FALSE(pairing.token_valid(token->substr(1)));
    EXPECT_FALSE(pairing.token_valid(sha256_hex(*token)));  // the stored hash is not a token

    std::vector<Pairing::Laptop> laptops = pairing.laptops();
    ASSERT_EQ(laptops.size(), 1u);
    EXPECT_EQ(laptops[0].host_name, "volunteer-mbp.local");
    EXPECT_FALSE(laptops[0].paired_at.empty());
    EXPECT_EQ(laptops[0].last_seen_at, "");
    EXPECT_EQ(laptops[0].last_seq, 0);
    EXPECT_EQ(pairing.laptop_id(*token), laptops[0].id);
}

TEST_F(PairingTest, TheTokenIsStoredOnlyAsItsSha256) {
    Pairing pairing(catalog(), clock_);
    std::optional<std::string> token = pairing.pair(pairing.new_code().code, "laptop");
    ASSERT_TRUE(token);
    std::optional<SyncLaptop> row = catalog().sync_laptop_by_token_hash(sha256_hex(*token));
    ASSERT_TRUE(row);
    EXPECT_EQ(row->token_sha256, sha256_hex(*token));

    const std::string bytes = catalog_bytes();
    EXPECT_NE(bytes.find(sha256_hex(*token)), std::string::npos);  // the scan does see what is stored
    EXPECT_EQ(bytes.find(*token), std::string::npos);
}

TEST_F(PairingTest, ATokenStaysValidAfterARestart) {
    std::string token;
    {
        Pairing pairing(catalog(), clock_);
        token = pairing.pair(pairing.new_code().code, "laptop").value();
    }
    reopen();
    Pairing pairing(catalog(), clock_);
    EXPECT_TRUE(pairing.token_valid(token));
    EXPECT_EQ(pairing.laptops().size(), 1u);
}

TEST_F(PairingTest, RevokingALaptopStopsItsTokenAtOnce) {
    Pairing pairing(catalog(), clock_);
    std::string kept = pairing.pair(pairing.new_code().code, "kept").value();
    std::string gone = pairing.pair(pairing.new_code().code, "gone").value();
    pairing.revoke(pairing.laptop_id(gone).value());
    EXPECT_FALSE(pairing.token_valid(gone));
    EXPECT_FALSE(pairing.laptop_id(gone));
    EXPECT_TRUE(pairing.token_valid(kept));
    ASSERT_EQ(pairing.laptops().size(), 1u);
    EXPECT_EQ(pairing.laptops()[0].host_name, "kept");
    EXPECT_EQ(catalog().sync_laptops(true).size(), 2u);  // the record stays, marked revoked

    reopen();
    Pairing after(catalog(), clock_);
    EXPECT_FALSE(after.token_valid(gone));
    try {
        after.revoke(9999);
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.reason(), CatalogError::Reason::not_found);
    }
}

TEST_F(PairingTest, ARefusedHostNameLeavesTheCodeUsable) {
    Pairing pairing(catalog(), clock_);
    Pairing::Code code = pairing.new_code();
    EXPECT_THROW(pairing.pair(code.code, ""), CatalogError);
    EXPECT_THROW(pairing.pair(code.code, "evil\nhost"), CatalogError);
    EXPECT_THROW(pairing.pair(code.code, std::string(256, 'h')), CatalogError);
    EXPECT_TRUE(pairing.laptops().empty());
    EXPECT_TRUE(pairing.pair(code.code, "good-host"));
}

TEST_F(PairingTest, SyncingRecordsWhenALaptopWasSeenAndWhatItHas) {
    Pairing pairing(catalog(), clock_);
    std::string token = pairing.pair(pairing.new_code().code, "laptop").value();
    const std::int64_t id = pairing.laptop_id(token).value();
    clock_->advance(1h);
    pairing.record_seen(id, 42);
    Pairing::Laptop l = pairing.laptops().at(0);
    EXPECT_EQ(l.last_seq, 42);
    EXPECT_EQ(l.last_seen_at, iso8601_utc(clock_->now()));
    clock_->advance(1h);
    pairing.record_seen(id);
    l = pairing.laptops().at(0);
    EXPECT_EQ(l.last_seq, 42);
    EXPECT_EQ(l.last_seen_at, iso8601_utc(clock_->now()));
}
