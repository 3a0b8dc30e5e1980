// Paired sync laptops as the catalog keeps them: token hashes, revocation, last seen.
#include "catalog_test_util.hpp"

#include <gmock/gmock.h>

#include <cctype>

using namespace sb;
using namespace sb::test;

using SyncLaptopTest = CatalogTest;

namespace {

template <class F>
CatalogError::Reason reason_of(F&& f) {
    try {
        f();
    } catch (const CatalogError& e) {
        return e.reason();
    }
    ADD_FAILURE() << "expected a CatalogError";
    return CatalogError::Reason::sqlite;
}

}  // namespace

TEST_F(SyncLaptopTest, ALaptopIsFoundByItsTokenHash) {
    Catalog cat = open_catalog();
    const std::string hash = sha256_hex("token one");
    std::int64_t id = cat.add_sync_laptop("volunteer-mbp.local", hash);
    std::optional<SyncLaptop> l = cat.sync_laptop_by_token_hash(hash);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->id, id);
    EXPECT_EQ(l->host_name, "volunteer-mbp.local");
    EXPECT_EQ(l->token_sha256, hash);
    EXPECT_FALSE(l->paired_at.empty());
    EXPECT_EQ(l->last_seen_at, "");
    EXPECT_EQ(l->last_seq, 0);
    EXPECT_FALSE(l->revoked);
    EXPECT_FALSE(cat.sync_laptop_by_token_hash(sha256_hex("token two")));
    EXPECT_FALSE(cat.sync_laptop_by_token_hash(""));
}

TEST_F(SyncLaptopTest, TheHostNameAndTokenHashAreChecked) {
    Catalog cat = open_catalog();
    const std::string hash = sha256_hex("t");
    using R = CatalogError::Reason;
    EXPECT_EQ(reason_of([&] { cat.add_sync_laptop("", hash); }), R::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.add_sync_laptop("a\nb", hash); }), R::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.add_sync_laptop(std::string(256, 'a'), hash); }), R::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.add_sync_laptop("laptop", "not a hash"); }), R::invalid_argument);
    std::string upper = hash;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_NE(upper, hash);
    EXPECT_EQ(reason_of([&] { cat.add_sync_laptop("laptop", upper); }), R::invalid_argument);
    EXPECT_TRUE(cat.sync_laptops(true).empty());
    EXPECT_NO_THROW(cat.add_sync_laptop(std::string(255, 'a'), hash));
    EXPECT_NO_THROW(cat.add_sync_laptop("Ana’s laptop ☕", sha256_hex("u")));
}

TEST_F(SyncLaptopTest, ATokenHashBelongsToOneLaptopOnly) {
    Catalog cat = open_catalog();
    const std::string hash = sha256_hex("t");
    cat.add_sync_laptop("one", hash);
    EXPECT_THROW(cat.add_sync_laptop("two", hash), CatalogError);
    EXPECT_EQ(cat.sync_laptops().size(), 1u);
}

TEST_F(SyncLaptopTest, RevokedLaptopsStayOnRecordButAreListedOnlyWhenAskedFor) {
    Catalog cat = open_catalog();
    std::int64_t a = cat.add_sync_laptop("a", sha256_hex("a"));
    std::int64_t b = cat.add_sync_laptop("b", sha256_hex("b"));
    cat.revoke_sync_laptop(a);
    cat.revoke_sync_laptop(a);  // again: nothing changes
    std::vector<SyncLaptop> active = cat.sync_laptops();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].id, b);
    std::vector<SyncLaptop> all = cat.sync_laptops(true);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, a);
    EXPECT_TRUE(all[0].revoked);
    EXPECT_TRUE(cat.sync_laptop_by_token_hash(sha256_hex("a"))->revoked);
    EXPECT_EQ(reason_of([&] { cat.revoke_sync_laptop(12345); }), CatalogError::Reason::not_found);
}

TEST_F(SyncLaptopTest, ASyncRecordsWhenTheLaptopWasSeenAndWhatItAcknowledged) {
    Catalog cat = open_catalog();
    std::int64_t id = cat.add_sync_laptop("a", sha256_hex("a"));
    cat.record_sync_laptop_seen(id, 17);
    SyncLaptop l = cat.sync_laptops().at(0);
    EXPECT_EQ(l.last_seq, 17);
    EXPECT_FALSE(l.last_seen_at.empty());
    const std::string first_seen = l.last_seen_at;
    cat.record_sync_laptop_seen(id);
    l = cat.sync_laptops().at(0);
    EXPECT_EQ(l.last_seq, 17);  // kept when no ack is given
    EXPECT_GT(l.last_seen_at, first_seen);
    EXPECT_EQ(reason_of([&] { cat.record_sync_laptop_seen(id, -1); }), CatalogError::Reason::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.record_sync_laptop_seen(999); }), CatalogError::Reason::not_found);
}

TEST_F(SyncLaptopTest, PairedLaptopsSurviveReopening) {
    {
        Catalog cat = open_catalog();
        cat.add_sync_laptop("a", sha256_hex("a"));
    }
    Catalog cat = open_catalog();
    EXPECT_TRUE(cat.sync_laptop_by_token_hash(sha256_hex("a")));
}
