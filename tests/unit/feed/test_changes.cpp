// Pages of changes: what a laptop learns when it asks "what changed since N?".
#include "feed_test_util.hpp"

#include <gmock/gmock.h>

#include <map>
#include <set>

using namespace sb;
using namespace sb::test;

using Changes = FeedTest;

namespace {

std::vector<std::string> upsert_ids(const feed::ChangesPage& p) {
    std::vector<std::string> out;
    for (const auto& e : p.changes)
        if (!e.tombstone) out.push_back(e.story->id);
    return out;
}

}  // namespace

TEST_F(Changes, PagesCoverEveryStoryOnceWithNextAndMore) {
    std::set<std::string> made;
    for (int i = 0; i < 23; ++i) made.insert(finished_story("Story " + std::to_string(i), 100, 0).id);
    const std::int64_t latest = cat().latest_seq();

    std::multiset<std::string> seen;
    std::int64_t since = 0;
    int pages = 0;
    for (;;) {
        const feed::ChangesPage p = feed::changes_page(cat(), booth(), since, 10);
        ++pages;
        EXPECT_GT(p.next, since);
        std::int64_t prev = since;
        for (const auto& e : p.changes) {
            EXPECT_GT(e.seq, prev);
            EXPECT_LE(e.seq, p.next);
            prev = e.seq;
        }
        for (const auto& id : upsert_ids(p)) seen.insert(id);
        since = p.next;
        if (!p.more) break;
        ASSERT_LT(pages, 100);
    }
    // Each story wrote 3 rows (create, marker, finish): 69 rows in pages of 10.
    EXPECT_EQ(pages, 7);
    EXPECT_EQ(since, latest);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), made);

    // Nothing new: an empty page that keeps `next` where it was.
    const feed::ChangesPage empty = feed::changes_page(cat(), booth(), latest, 200);
    EXPECT_TRUE(empty.changes.empty());
    EXPECT_EQ(empty.next, latest);
    EXPECT_FALSE(empty.more);
    // The page is exactly full: `more` is still false.
    const feed::ChangesPage full = feed::changes_page(cat(), booth(), latest - 5, 5);
    EXPECT_EQ(full.next, latest);
    EXPECT_FALSE(full.more);
    EXPECT_TRUE(feed::changes_page(cat(), booth(), latest - 6, 5).more);
}

TEST_F(Changes, OneEntryPerStoryAtItsLastRowWithItsCurrentState) {
    const Story s = finished_story("First title");
    cat().update_metadata(s.id, "Second title", "", {});
    cat().set_share_level(s.id, "private");
    const std::int64_t last = cat().latest_seq();

    const feed::ChangesPage p = feed::changes_page(cat(), booth(), 0, 200);
    ASSERT_EQ(p.changes.size(), 1u);
    EXPECT_EQ(p.changes[0].seq, last);
    EXPECT_FALSE(p.changes[0].tombstone);
    EXPECT_EQ(p.changes[0].story->title, "Second title");
    EXPECT_EQ(p.changes[0].story->share_level, "private");
    EXPECT_EQ(p.next, last);

    // A page that ends before the story's last row still gives it once, as it is now.
    const feed::ChangesPage early = feed::changes_page(cat(), booth(), 0, 2);
    ASSERT_EQ(early.changes.size(), 1u);
    EXPECT_EQ(early.changes[0].seq, 2);
    EXPECT_EQ(early.changes[0].story->title, "Second title");
    EXPECT_TRUE(early.more);
}

TEST_F(Changes, ARecordingStoryIsNotOfferedUntilItIsFinished) {
    const Story done = finished_story("Done");
    Story rec = cat().create_story(NewStory{});
    feed::ChangesPage p = feed::changes_page(cat(), booth(), 0, 200);
    EXPECT_EQ(upsert_ids(p), std::vector<std::string>{done.id});
    for (const auto& e : p.changes) EXPECT_NE(e.story_id, rec.id);
    EXPECT_EQ(p.next, cat().latest_seq());  // its row was read, just not offered

    Finish f;
    f.state = "recovered";
    f.duration_ms = 5000;
    f.note = "recovered after an interruption";
    f.files = {write_file(rec.id, "listening", 500)};
    cat().finish_story(rec.id, f);
    p = feed::changes_page(cat(), booth(), p.next, 200);
    ASSERT_EQ(p.changes.size(), 1u);
    EXPECT_EQ(p.changes[0].story->id, rec.id);
    EXPECT_EQ(p.changes[0].story->state, "recovered");
    EXPECT_FALSE(feed::offered_file(*cat().get(done.id), "story.opus") == std::nullopt);
    EXPECT_TRUE(feed::offered_file(*cat().get(rec.id), "master.flac") == std::nullopt);  // it has none
}

TEST_F(Changes, WithdrawnDeletedAndPurgedStoriesBecomeTombstones) {
    const Story a = finished_story("Withdrawn"), b = finished_story("Deleted"), c = finished_story("Purged"),
                d = finished_story("Kept");
    const std::int64_t before = cat().latest_seq();
    cat().withdraw(a.id);
    cat().mark_deleted(b.id);
    cat().purge(c.id);

    const feed::ChangesPage p = feed::changes_page(cat(), booth(), before, 200);
    ASSERT_EQ(p.changes.size(), 3u);
    std::map<std::string, feed::Entry> by_id;
    for (const auto& e : p.changes) by_id[e.story_id] = e;
    for (const Story* s : {&a, &b, &c}) {
        ASSERT_TRUE(by_id.count(s->id)) << s->title;
        EXPECT_TRUE(by_id[s->id].tombstone);
        EXPECT_FALSE(by_id[s->id].at.empty());
        EXPECT_FALSE(by_id[s->id].story);
    }
    // From the start, too: the withdrawn story's earlier rows give no upsert.
    const feed::ChangesPage all = feed::changes_page(cat(), booth(), 0, 1000);
    EXPECT_EQ(upsert_ids(all), std::vector<std::string>{d.id});
    EXPECT_FALSE(feed::offered_file(*cat().get(a.id), "story.opus"));

    const auto j = feed::changes_to_json(p);
    for (const auto& e : j["changes"]) {
        EXPECT_EQ(e["kind"], "tombstone");
        EXPECT_EQ(e.size(), 4u);  // seq, kind, story_id, at
    }
}

TEST_F(Changes, AllChangesIsOneWholePage) {
    for (int i = 0; i < 5; ++i) finished_story("S" + std::to_string(i), 10, 0);
    const feed::ChangesPage all = feed::all_changes(cat(), booth());
    EXPECT_EQ(all.changes.size(), 5u);
    EXPECT_FALSE(all.more);
    EXPECT_EQ(all.next, cat().latest_seq());
    EXPECT_EQ(feed::changes_to_json(all), feed::changes_to_json(feed::changes_page(cat(), booth(), 0, 1000)));
}

TEST_F(Changes, RefusesALimitBelowOne) {
    EXPECT_THROW(feed::changes_page(cat(), booth(), 0, 0), Error);
    EXPECT_THROW(feed::changes_page(cat(), booth(), -1, 10), Error);
}
