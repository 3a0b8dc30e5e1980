// The change log that sync reads: one row per change, seqs strictly increasing and never reused.
#include "catalog_test_util.hpp"
#include "common/ids.hpp"

#include <gmock/gmock.h>

#include <functional>

using namespace sb;
using namespace sb::test;

using ChangeLogTest = CatalogTest;

namespace {

std::vector<Change> all_changes(const Catalog& cat) { return cat.changes_since(0, 1'000'000); }

void expect_strictly_increasing(const std::vector<Change>& changes) {
    for (std::size_t i = 1; i < changes.size(); ++i) EXPECT_LT(changes[i - 1].seq, changes[i].seq);
}

}  // namespace

TEST_F(ChangeLogTest, AnEmptyCatalogHasNoChanges) {
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.latest_seq(), 0);
    EXPECT_TRUE(all_changes(cat).empty());
}

TEST_F(ChangeLogTest, EachChangeWritesExactlyOneUpsertWithAHigherSeq) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    std::int64_t last = cat.latest_seq();
    EXPECT_GT(last, 0);

    const std::function<void()> edits[] = {
        [&] { cat.add_marker(s.id, Marker{100, "q1"}); },
        [&] { cat.finish_story(s.id, complete_finish()); },
        [&] { cat.update_metadata(s.id, "title", "description", {"k"}); },
        [&] { cat.set_share_level(s.id, "private"); },
        [&] { cat.set_secret_link(s.id, new_secret_link()); },
        [&] { cat.finish_story(s.id, complete_finish()); },  // finishing again (e.g. after a tag rewrite)
    };
    for (const auto& edit : edits) {
        edit();
        std::vector<Change> added = cat.changes_since(last, 100);
        ASSERT_EQ(added.size(), 1u);
        EXPECT_GT(added[0].seq, last);
        EXPECT_EQ(added[0].story_id, s.id);
        EXPECT_EQ(added[0].kind, "upsert");
        EXPECT_FALSE(added[0].at.empty());
        last = added[0].seq;
        EXPECT_EQ(cat.latest_seq(), last);
    }
    std::vector<Change> all = all_changes(cat);
    EXPECT_EQ(all.size(), 7u);
    expect_strictly_increasing(all);
}

TEST_F(ChangeLogTest, ASecretLinkIsKeptTakenBackAndRefusedWhenMalformed) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    cat.finish_story(s.id, complete_finish());
    EXPECT_EQ(cat.get(s.id)->secret_link, "");
    const std::string link = new_secret_link();
    EXPECT_TRUE(is_secret_link(link));
    EXPECT_NE(link, new_secret_link());
    cat.set_secret_link(s.id, link);
    EXPECT_EQ(cat.get(s.id)->secret_link, link);
    for (const std::string& bad : {std::string("abc"), std::string(32, 'G'), std::string(31, 'a') + "/", std::string(33, 'a')})
        EXPECT_THROW(cat.set_secret_link(s.id, bad), CatalogError) << bad;
    EXPECT_EQ(cat.get(s.id)->secret_link, link);
    cat.set_secret_link(s.id, "");
    EXPECT_EQ(cat.get(s.id)->secret_link, "");
}

TEST_F(ChangeLogTest, SettingsAuditAndQuestionSetsAreNotStoryChanges) {
    Catalog cat = open_catalog();
    cat.set_setting("booth_code", "EAST");
    cat.audit("librarian", "login", "", "");
    cat.save_question_set(QuestionSet{0, "Family", "en", {"Who raised you?"}});
    EXPECT_EQ(cat.latest_seq(), 0);
}

TEST_F(ChangeLogTest, WithdrawDeleteAndPurgeWriteTombstones) {
    Catalog cat = open_catalog();
    Story w = cat.create_story(two_person_story());
    Story d = cat.create_story(two_person_story());
    Story p = cat.create_story(two_person_story());
    for (const Story& s : {w, d, p}) cat.finish_story(s.id, complete_finish());

    std::int64_t before = cat.latest_seq();
    cat.withdraw(w.id);
    cat.mark_deleted(d.id);
    cat.purge(p.id);
    std::vector<Change> after = cat.changes_since(before, 100);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[0].story_id, w.id);
    EXPECT_EQ(after[1].story_id, d.id);
    EXPECT_EQ(after[2].story_id, p.id);
    for (const Change& c : after) EXPECT_EQ(c.kind, "tombstone");
    expect_strictly_increasing(after);
}

TEST_F(ChangeLogTest, AWithdrawnStoryOnlyEverProducesTombstones) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    cat.finish_story(s.id, complete_finish());
    cat.withdraw(s.id);
    std::int64_t before = cat.latest_seq();
    cat.update_metadata(s.id, "fixed typo", "", {});
    cat.set_share_level(s.id, "private");
    std::vector<Change> after = cat.changes_since(before, 100);
    ASSERT_EQ(after.size(), 2u);
    for (const Change& c : after) EXPECT_EQ(c.kind, "tombstone");  // sync must not bring it back
}

TEST_F(ChangeLogTest, PurgeLeavesOneTombstoneAndSeqsAreNeverReused) {
    Catalog cat = open_catalog();
    Story keep = cat.create_story(two_person_story());
    Story gone = cat.create_story(two_person_story());
    cat.finish_story(gone.id, complete_finish());
    cat.mark_deleted(gone.id);
    const std::int64_t before_purge = cat.latest_seq();
    cat.purge(gone.id);

    std::vector<Change> all = all_changes(cat);
    std::vector<Change> of_gone;
    for (const Change& c : all)
        if (c.story_id == gone.id) of_gone.push_back(c);
    ASSERT_EQ(of_gone.size(), 1u);  // its upserts are gone, nothing left to fetch
    EXPECT_EQ(of_gone[0].kind, "tombstone");
    EXPECT_GT(of_gone[0].seq, before_purge);
    EXPECT_EQ(cat.latest_seq(), of_gone[0].seq);

    // The purged rows' seqs are not handed out again, not even after the newest row is purged.
    Story next = cat.create_story(NewStory{});
    const std::int64_t next_seq = cat.latest_seq();
    EXPECT_GT(next_seq, of_gone[0].seq);
    cat.purge(next.id);
    cat.purge(keep.id);
    const std::int64_t top = cat.latest_seq();
    EXPECT_GT(top, next_seq);
    cat.create_story(NewStory{});
    EXPECT_GT(cat.latest_seq(), top);
    expect_strictly_increasing(all_changes(cat));
}

TEST_F(ChangeLogTest, SeqsKeepGrowingAcrossReopening) {
    std::int64_t last = 0;
    {
        Catalog cat = open_catalog();
        Story s = cat.create_story(NewStory{});
        cat.purge(s.id);
        last = cat.latest_seq();
    }
    {
        // Delete every row of the log behind the catalog's back: AUTOINCREMENT still remembers.
        raw().exec("DELETE FROM change_log");
    }
    Catalog cat = open_catalog();
    cat.create_story(NewStory{});
    EXPECT_GT(cat.latest_seq(), last);
}

TEST_F(ChangeLogTest, ChangesSincePagesThroughEveryChangeInOrder) {
    Catalog cat = open_catalog();
    for (int i = 0; i < 10; ++i) {
        Story s = cat.create_story(NewStory{});
        cat.add_marker(s.id, Marker{i, "q"});
    }
    std::vector<Change> paged;
    std::int64_t from = 0;
    int pages = 0;
    for (;;) {
        std::vector<Change> page = cat.changes_since(from, 3);
        if (page.empty()) break;
        EXPECT_LE(page.size(), 3u);
        ++pages;
        paged.insert(paged.end(), page.begin(), page.end());
        from = page.back().seq;
    }
    EXPECT_EQ(pages, 7);  // 20 changes, 3 at a time
    ASSERT_EQ(paged.size(), 20u);
    expect_strictly_increasing(paged);
    std::vector<Change> all = all_changes(cat);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i].seq, all[i].seq);
    EXPECT_TRUE(cat.changes_since(cat.latest_seq(), 10).empty());
    EXPECT_TRUE(cat.changes_since(0, 0).empty());
    EXPECT_THROW(cat.changes_since(0, -1), CatalogError);
}

TEST_F(ChangeLogTest, FinishStoryReplacesTheFilesAndWritesOneChange) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    cat.finish_story(s.id, complete_finish());
    const std::int64_t before = cat.latest_seq();

    Finish again;
    again.state = "recovered";
    again.duration_ms = 5000;
    again.note = "recovered after an interruption";
    again.files = {file("listening", "story.repaired.opus", 42)};
    cat.finish_story(s.id, again);

    Story got = *cat.get(s.id);
    ASSERT_EQ(got.files.size(), 1u);  // the master row is gone, the listening row replaced
    EXPECT_EQ(got.files[0].path, "story.repaired.opus");
    EXPECT_EQ(got.files[0].size, 42u);
    EXPECT_EQ(got.state, "recovered");
    EXPECT_EQ(got.lufs, std::nullopt);  // loudness as given this time: unknown
    EXPECT_EQ(cat.changes_since(before, 100).size(), 1u);
}

TEST_F(ChangeLogTest, ARefusedCallWritesNoChange) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    const std::int64_t before = cat.latest_seq();
    Finish bad = complete_finish();
    bad.files[0].sha256 = "not a checksum";
    EXPECT_THROW(cat.finish_story(s.id, bad), CatalogError);
    EXPECT_THROW(cat.withdraw(s.id), CatalogError);  // still recording
    EXPECT_THROW(cat.purge(new_uuid()), CatalogError);
    EXPECT_EQ(cat.latest_seq(), before);
}
