// Stories: what goes in comes out, codes and ids, validation, states, purge, several handles.
#include "catalog_test_util.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <set>
#include <chrono>
#include <thread>

using namespace sb;
using namespace sb::test;
using ::testing::HasSubstr;

using StoryTest = CatalogTest;

namespace {

void expect_same(const Participant& a, const Participant& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.age_range, b.age_range);
    EXPECT_EQ(a.relationship, b.relationship);
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.mic_channel, b.mic_channel);
    ASSERT_EQ(a.consent.has_value(), b.consent.has_value());
    if (a.consent) {
        EXPECT_EQ(a.consent->release_version, b.consent->release_version);
        EXPECT_EQ(a.consent->choice, b.consent->choice);
        EXPECT_EQ(a.consent->typed_name, b.consent->typed_name);
        EXPECT_EQ(a.consent->guardian_name, b.consent->guardian_name);
        EXPECT_EQ(a.consent->agreed_at, b.consent->agreed_at);
    }
}

void expect_same(const StoryFile& a, const StoryFile& b) {
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.size, b.size);
    EXPECT_EQ(a.sha256, b.sha256);
}

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

TEST_F(StoryTest, EveryFieldRoundTripsThroughCreateFinishAndGet) {
    Catalog cat = open_catalog();
    NewStory ns = two_person_story();
    ns.started_at = "2026-11-26T05:01:30.500Z";
    ns.bitrate = 96000;
    ns.sample_rate = 44100;
    Story created = cat.create_story(ns);
    EXPECT_EQ(created.state, "recording");
    EXPECT_EQ(created.code, "MAIN-0001");

    cat.add_marker(created.id, Marker{0, "What did the kitchen smell like?"});
    cat.add_marker(created.id, Marker{754'321, "Who cooked?"});
    Finish fin = complete_finish();
    fin.note = "disk full";
    cat.finish_story(created.id, fin);

    std::optional<Story> got = cat.get(created.id);
    ASSERT_TRUE(got);
    const Story& s = *got;
    EXPECT_EQ(s.id, created.id);
    EXPECT_EQ(s.code, "MAIN-0001");
    EXPECT_EQ(s.state, "complete");
    EXPECT_EQ(s.created_at, ns.created_at);
    EXPECT_EQ(s.started_at, ns.started_at);
    EXPECT_EQ(s.ended_at, fin.ended_at);
    EXPECT_TRUE(s.clock_trusted);
    EXPECT_EQ(s.duration_ms, fin.duration_ms);
    EXPECT_EQ(s.title, ns.title);
    EXPECT_EQ(s.description, ns.description);
    EXPECT_EQ(s.language, "en");
    EXPECT_EQ(s.share_level, "community");
    EXPECT_EQ(s.note, "disk full");
    EXPECT_EQ(s.lufs, -18.25);
    EXPECT_EQ(s.true_peak_dbtp, -1.5);
    EXPECT_EQ(s.channels, 2);
    EXPECT_EQ(s.sample_rate, 44100);
    EXPECT_EQ(s.bitrate, 96000);
    EXPECT_FALSE(s.updated_at.empty());
    ASSERT_EQ(s.participants.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) expect_same(s.participants[i], ns.participants[i]);
    EXPECT_EQ(s.questions, ns.questions);
    ASSERT_EQ(s.markers.size(), 2u);
    EXPECT_EQ(s.markers[0].offset_ms, 0);
    EXPECT_EQ(s.markers[0].text, "What did the kitchen smell like?");
    EXPECT_EQ(s.markers[1].offset_ms, 754'321);
    EXPECT_EQ(s.markers[1].text, "Who cooked?");
    EXPECT_EQ(s.keywords, ns.keywords);
    ASSERT_EQ(s.files.size(), 2u);
    expect_same(s.files[0], fin.files[0]);
    expect_same(s.files[1], fin.files[1]);  // a size above 4 GiB survives too
}

TEST_F(StoryTest, AFreshStoryHasNoLoudnessDurationOrFiles) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(NewStory{});
    EXPECT_EQ(s.duration_ms, std::nullopt);
    EXPECT_EQ(s.lufs, std::nullopt);
    EXPECT_EQ(s.true_peak_dbtp, std::nullopt);
    EXPECT_TRUE(s.files.empty());
    EXPECT_TRUE(s.participants.empty());
    EXPECT_EQ(s.ended_at, "");
    EXPECT_EQ(s.channels, 1);
    EXPECT_EQ(s.sample_rate, 48000);
    EXPECT_EQ(s.bitrate, 64000);
}

TEST_F(StoryTest, EmptyTimesAreTakenFromTheCatalogClock) {
    Catalog cat = open_catalog();
    NewStory ns = two_person_story();
    ns.created_at.clear();
    ns.participants[0].consent->agreed_at.clear();
    Story s = cat.create_story(ns);
    EXPECT_THAT(s.created_at, ::testing::StartsWith("2026-11-26T05:02:22."));
    EXPECT_EQ(s.started_at, s.created_at);
    EXPECT_EQ(s.participants[0].consent->agreed_at, s.created_at);
    EXPECT_EQ(s.participants[1].consent->agreed_at, "2026-11-26T05:00:00.000Z");  // given, so kept

    Finish f = complete_finish();
    f.ended_at.clear();
    cat.finish_story(s.id, f);
    Story done = *cat.get(s.id);
    EXPECT_THAT(done.ended_at, ::testing::StartsWith("2026-11-26T05:02:22."));
    EXPECT_GT(done.ended_at, s.created_at);
    EXPECT_GT(done.updated_at, s.updated_at);
}

TEST_F(StoryTest, ShareLevelIsCommunityOnlyWhenEveryParticipantChoseSharing) {
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.create_story(two_person_story()).share_level, "community");

    NewStory one_private = two_person_story();
    one_private.participants[1].consent->choice = "private";
    EXPECT_EQ(cat.create_story(one_private).share_level, "private");

    NewStory no_consent = two_person_story();
    no_consent.participants[0].consent.reset();
    EXPECT_EQ(cat.create_story(no_consent).share_level, "private");

    EXPECT_EQ(cat.create_story(NewStory{}).share_level, "private");  // nobody consented to anything
}

TEST_F(StoryTest, CodesCountUpAndAreNeverReusedAfterDeleteOrPurge) {
    Catalog cat = open_catalog();
    Story a = cat.create_story(NewStory{});
    Story b = cat.create_story(NewStory{});
    EXPECT_EQ(a.code, "MAIN-0001");
    EXPECT_EQ(b.code, "MAIN-0002");
    cat.purge(b.id);
    EXPECT_EQ(cat.create_story(NewStory{}).code, "MAIN-0003");
    cat.mark_deleted(a.id);
    cat.purge(a.id);
    EXPECT_EQ(cat.create_story(NewStory{}).code, "MAIN-0004");
}

TEST_F(StoryTest, TheBoothCodeSettingNamesTheCodesAndTheCounterCarriesOn) {
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.create_story(NewStory{}).code, "MAIN-0001");
    cat.set_setting("booth_code", "EASTSIDE");
    EXPECT_EQ(cat.create_story(NewStory{}).code, "EASTSIDE-0002");
    cat.set_setting("booth_code", "");  // cleared: back to the default
    EXPECT_EQ(cat.create_story(NewStory{}).code, "MAIN-0003");
}

TEST_F(StoryTest, CodesBeyond9999JustGetMoreDigits) {
    { open_catalog(); }
    raw().exec("UPDATE counters SET value = 9998 WHERE name = 'story_code'");
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.create_story(NewStory{}).code, "MAIN-9999");
    EXPECT_EQ(cat.create_story(NewStory{}).code, "MAIN-10000");
}

TEST_F(StoryTest, FindByCodeIgnoresCase) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    ASSERT_TRUE(cat.find_by_code("MAIN-0001"));
    ASSERT_TRUE(cat.find_by_code("main-0001"));
    EXPECT_EQ(cat.find_by_code("main-0001")->id, s.id);
    EXPECT_EQ(cat.find_by_code("main-0001")->participants.size(), 2u);
    EXPECT_FALSE(cat.find_by_code("MAIN-0002"));
}

TEST_F(StoryTest, IdsAreUniqueRandomV4UuidsEvenWhenTheClockStandsStill) {
    Catalog cat = open_catalog();
    std::vector<std::string> ids;
    std::set<std::string> unique;
    for (int i = 0; i < 200; ++i) {
        clock_->pin(std::chrono::system_clock::time_point{std::chrono::seconds(1'700'000'000)});
        Story s = cat.create_story(NewStory{});
        EXPECT_TRUE(is_uuid(s.id)) << s.id;
        EXPECT_EQ(s.id[14], '4') << s.id;  // version 4: random
        ids.push_back(s.id);
        unique.insert(s.id);
    }
    EXPECT_EQ(unique.size(), ids.size());
    // Time-based ids (v1, v7, ...) created in order would sort in order; 200 random ones do not.
    EXPECT_FALSE(std::is_sorted(ids.begin(), ids.end()));
    std::set<std::string> prefixes;
    for (const std::string& id : ids) prefixes.insert(id.substr(0, 8));
    EXPECT_GT(prefixes.size(), 190u);
}

TEST_F(StoryTest, OddTextIsStoredExactlyAsGiven) {
    const std::string odd[] = {
        "Abuela 👵🏽 y el café ☕ — «hola»",
        "مرحبا بكم في المكتبة",
        "שלום, סבתא",
        std::string(500, 'N') + "é",
        "Robert'); DROP TABLE stories; --",
        "\"quoted\" 'single' `back` \\ backslash % percent _ underscore",
        "line one\nline two\r\n\ttabbed",
        std::string("nul\0inside", 10),
        "   leading and trailing spaces   ",
    };
    Catalog cat = open_catalog();
    for (const std::string& t : odd) {
        NewStory ns = two_person_story(t);
        ns.description = t + t;
        ns.language = t;
        ns.participants[0].name = t;
        ns.participants[0].relationship = t;
        ns.participants[0].age_range = t;
        ns.participants[0].consent->typed_name = t;
        ns.participants[0].consent->guardian_name = t;
        ns.participants[0].consent->release_version = t;
        ns.questions = {t, "plain"};
        ns.keywords = {t, "plain"};
        Story s = cat.create_story(ns);
        cat.add_marker(s.id, Marker{5, t});
        Finish f = complete_finish();
        f.note = t;
        f.files = {file("listening", "sub dir/" + t + ".opus", 1)};
        if (t.find('\0') != std::string::npos) f.files.clear();  // no NUL in file names
        cat.finish_story(s.id, f);
        cat.set_setting(t, t);
        cat.audit(t, t, s.id, t);

        Story got = *cat.get(s.id);
        EXPECT_EQ(got.title, t);
        EXPECT_EQ(got.description, t + t);
        EXPECT_EQ(got.language, t);
        EXPECT_EQ(got.participants[0].name, t);
        EXPECT_EQ(got.participants[0].relationship, t);
        EXPECT_EQ(got.participants[0].age_range, t);
        EXPECT_EQ(got.participants[0].consent->typed_name, t);
        EXPECT_EQ(got.participants[0].consent->guardian_name, t);
        EXPECT_EQ(got.participants[0].consent->release_version, t);
        EXPECT_EQ(got.questions, ns.questions);
        EXPECT_EQ(got.keywords, ns.keywords);
        EXPECT_EQ(got.markers.at(0).text, t);
        EXPECT_EQ(got.note, t);
        if (!f.files.empty()) {
            EXPECT_EQ(got.files.at(0).path, f.files[0].path);
        }
        EXPECT_EQ(cat.setting(t, "missing"), t);
        AuditEntry last = cat.audit_log(1).at(0);
        EXPECT_EQ(last.actor, t);
        EXPECT_EQ(last.detail, t);
    }
    EXPECT_EQ(cat.list().size(), std::size(odd));  // and the tables are all still there
}

TEST_F(StoryTest, InvalidEnumStringsAreRefusedBeforeTheDatabaseIsTouched) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    const std::int64_t seq = cat.latest_seq();
    using R = CatalogError::Reason;

    NewStory bad_role = two_person_story();
    bad_role.participants[0].role = "host";
    EXPECT_EQ(reason_of([&] { cat.create_story(bad_role); }), R::invalid_argument);
    NewStory bad_choice = two_person_story();
    bad_choice.participants[1].consent->choice = "public";
    EXPECT_EQ(reason_of([&] { cat.create_story(bad_choice); }), R::invalid_argument);

    Finish bad_state = complete_finish();
    bad_state.state = "completed";
    EXPECT_EQ(reason_of([&] { cat.finish_story(s.id, bad_state); }), R::invalid_argument);
    Finish recording = complete_finish();
    recording.state = "recording";
    EXPECT_EQ(reason_of([&] { cat.finish_story(s.id, recording); }), R::invalid_argument);
    Finish bad_kind = complete_finish();
    bad_kind.files[0].kind = "mp3";
    EXPECT_EQ(reason_of([&] { cat.finish_story(s.id, bad_kind); }), R::invalid_argument);

    EXPECT_EQ(reason_of([&] { cat.set_share_level(s.id, "public"); }), R::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.set_share_level(s.id, "Community"); }), R::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.list("finished"); }), R::invalid_argument);
    EXPECT_EQ(reason_of([&] { cat.ids_in_state(""); }), R::invalid_argument);

    try {
        cat.set_share_level(s.id, "public");
    } catch (const CatalogError& e) {
        EXPECT_THAT(e.what(), HasSubstr("'public'"));
        EXPECT_THAT(e.what(), HasSubstr("private, community"));
    }
    EXPECT_EQ(cat.latest_seq(), seq);
    EXPECT_EQ(cat.list().size(), 1u);
    Story after = *cat.get(s.id);
    EXPECT_EQ(after.state, "recording");
    EXPECT_EQ(after.share_level, "community");
}

TEST_F(StoryTest, CheckConstraintsRefuseBadValuesWrittenAroundTheApi) {
    Story s;
    {
        Catalog cat = open_catalog();
        s = cat.create_story(two_person_story());
    }
    Database db = raw();
    const char* bad[] = {
        "UPDATE stories SET state = 'finished' WHERE id = ?1",
        "UPDATE stories SET share_level = 'public' WHERE id = ?1",
        "UPDATE participants SET role = 'host' WHERE story_id = ?1",
        "UPDATE consents SET choice = 'maybe' WHERE participant_id IN (SELECT id FROM participants WHERE story_id = ?1)",
        "INSERT INTO files (story_id, kind, path, size, sha256) VALUES (?1, 'mp3', 'a.mp3', 1, '')",
        "INSERT INTO change_log (story_id, kind, at) VALUES (?1, 'delete', '')",
    };
    for (const char* sql : bad) {
        try {
            db.prepare(sql).bind_all(s.id).run();
            ADD_FAILURE() << "accepted: " << sql;
        } catch (const CatalogError& e) {
            EXPECT_EQ(e.sqlite_code(), 275) << sql;  // SQLITE_CONSTRAINT_CHECK
        }
    }
}

TEST_F(StoryTest, FilePathsMustStayInsideTheStoryFolderAndChecksumsMustBeSha256) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(NewStory{});
    for (std::string path : {"/etc/passwd", "../other/story.opus", "a/../../b.opus", ""}) {
        Finish f = complete_finish();
        f.files[0].path = path;
        EXPECT_THROW(cat.finish_story(s.id, f), CatalogError) << path;
    }
    for (const std::string& sum : std::vector<std::string>{"", "abc", std::string(64, 'G'), std::string(64, 'A')}) {
        Finish f = complete_finish();
        f.files[0].sha256 = sum;
        EXPECT_THROW(cat.finish_story(s.id, f), CatalogError) << sum;
    }
    Finish twice = complete_finish();
    twice.files[1].kind = "listening";
    EXPECT_THROW(cat.finish_story(s.id, twice), CatalogError);
    Finish negative = complete_finish();
    negative.duration_ms = -1;
    EXPECT_THROW(cat.finish_story(s.id, negative), CatalogError);
    EXPECT_THROW(cat.add_marker(s.id, Marker{-5, "before the start"}), CatalogError);
    EXPECT_EQ(cat.get(s.id)->state, "recording");
}

TEST_F(StoryTest, UnknownIdsAreReportedAsNotFound) {
    Catalog cat = open_catalog();
    const std::string ghost = new_uuid();
    using R = CatalogError::Reason;
    EXPECT_FALSE(cat.get(ghost));
    EXPECT_EQ(reason_of([&] { cat.finish_story(ghost, complete_finish()); }), R::not_found);
    EXPECT_EQ(reason_of([&] { cat.add_marker(ghost, Marker{}); }), R::not_found);
    EXPECT_EQ(reason_of([&] { cat.update_metadata(ghost, "t", "d", {}); }), R::not_found);
    EXPECT_EQ(reason_of([&] { cat.set_share_level(ghost, "private"); }), R::not_found);
    EXPECT_EQ(reason_of([&] { cat.withdraw(ghost); }), R::not_found);
    EXPECT_EQ(reason_of([&] { cat.mark_deleted(ghost); }), R::not_found);
    EXPECT_EQ(reason_of([&] { cat.purge(ghost); }), R::not_found);
    try {
        cat.withdraw(ghost);
    } catch (const CatalogError& e) {
        EXPECT_THAT(e.what(), HasSubstr(ghost));
        EXPECT_THAT(e.what(), HasSubstr(db_path().string()));
    }
    EXPECT_EQ(cat.latest_seq(), 0);
}

TEST_F(StoryTest, ListIsNewestFirstAndFiltersByState) {
    Catalog cat = open_catalog();
    // Creation order, not wall-clock order: the clock may be wrong.
    NewStory late = two_person_story("first, with a clock far in the future");
    late.created_at = "2099-01-01T00:00:00.000Z";
    Story a = cat.create_story(late);
    NewStory early = two_person_story("second, with a clock in the past");
    early.created_at = "1970-01-01T00:00:00.000Z";
    Story b = cat.create_story(early);
    Story c = cat.create_story(NewStory{});
    cat.finish_story(a.id, complete_finish());
    Finish rec = complete_finish();
    rec.state = "recovered";
    rec.note = "recovered after an interruption";
    cat.finish_story(b.id, rec);

    std::vector<Story> all = cat.list();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, c.id);
    EXPECT_EQ(all[1].id, b.id);
    EXPECT_EQ(all[2].id, a.id);
    EXPECT_EQ(all[1].participants.size(), 2u);  // listed stories are complete records

    ASSERT_EQ(cat.list("recovered").size(), 1u);
    EXPECT_EQ(cat.list("recovered")[0].note, "recovered after an interruption");
    EXPECT_EQ(cat.list("withdrawn").size(), 0u);
    EXPECT_EQ(cat.ids_in_state("recording"), std::vector<std::string>{c.id});
    EXPECT_EQ(cat.ids_in_state("complete"), std::vector<std::string>{a.id});
}

TEST_F(StoryTest, WithdrawingFollowsTheStoryStates) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    using R = CatalogError::Reason;
    EXPECT_EQ(reason_of([&] { cat.withdraw(s.id); }), R::invalid_state);  // still recording
    cat.finish_story(s.id, complete_finish());
    cat.withdraw(s.id);
    EXPECT_EQ(cat.get(s.id)->state, "withdrawn");
    EXPECT_EQ(cat.get(s.id)->files.size(), 2u);  // kept on the booth
    const std::int64_t seq = cat.latest_seq();
    cat.withdraw(s.id);  // already withdrawn: nothing to do
    EXPECT_EQ(cat.latest_seq(), seq);
    EXPECT_EQ(reason_of([&] { cat.finish_story(s.id, complete_finish()); }), R::invalid_state);
}

TEST_F(StoryTest, MarkDeletedDropsFileRowsAndRefusesLaterEdits) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    cat.finish_story(s.id, complete_finish());
    cat.mark_deleted(s.id);
    Story got = *cat.get(s.id);
    EXPECT_EQ(got.state, "deleted");
    EXPECT_TRUE(got.files.empty());
    using R = CatalogError::Reason;
    EXPECT_EQ(reason_of([&] { cat.add_marker(s.id, Marker{1, "x"}); }), R::invalid_state);
    EXPECT_EQ(reason_of([&] { cat.update_metadata(s.id, "t", "d", {}); }), R::invalid_state);
    EXPECT_EQ(reason_of([&] { cat.set_share_level(s.id, "private"); }), R::invalid_state);
    EXPECT_EQ(reason_of([&] { cat.withdraw(s.id); }), R::invalid_state);
    EXPECT_EQ(reason_of([&] { cat.finish_story(s.id, complete_finish()); }), R::invalid_state);
    const std::int64_t seq = cat.latest_seq();
    cat.mark_deleted(s.id);  // already deleted: nothing to do
    EXPECT_EQ(cat.latest_seq(), seq);
}

TEST_F(StoryTest, UpdateMetadataReplacesTitleDescriptionAndKeywords) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(two_person_story());
    cat.update_metadata(s.id, "New title", "New description", {"b", "a", "", "b", "c"});
    Story got = *cat.get(s.id);
    EXPECT_EQ(got.title, "New title");
    EXPECT_EQ(got.description, "New description");
    EXPECT_EQ(got.keywords, (std::vector<std::string>{"b", "a", "c"}));  // empties and repeats dropped
    cat.set_share_level(s.id, "private");
    EXPECT_EQ(cat.get(s.id)->share_level, "private");
    EXPECT_EQ(cat.get(s.id)->participants[0].consent->choice, "community");  // the signed record stays
}

TEST_F(StoryTest, PurgeRemovesEveryRowOfTheStoryThroughForeignKeyCascades) {
    Story keep, gone;
    {
        Catalog cat = open_catalog();
        keep = cat.create_story(two_person_story("keep"));
        gone = cat.create_story(two_person_story("gone"));
        for (const Story& s : {keep, gone}) {
            cat.add_marker(s.id, Marker{10, "q"});
            cat.finish_story(s.id, complete_finish());
        }
        cat.audit("librarian", "delete", gone.id, "asked by the family");
        cat.purge(gone.id);
        EXPECT_FALSE(cat.get(gone.id));
        EXPECT_TRUE(cat.get(keep.id));
    }
    for (const char* table : {"stories WHERE id", "participants WHERE story_id", "questions WHERE story_id",
                              "markers WHERE story_id", "keywords WHERE story_id", "files WHERE story_id"}) {
        std::string sql = std::string("SELECT COUNT(*) FROM ") + table + " = ?1";
        EXPECT_EQ(count(sql, gone.id), 0) << table;
        EXPECT_GT(count(sql, keep.id), 0) << table;
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM consents"), 2);  // only the kept story's two
    EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE story_id = ?1", gone.id), 1);  // the record stays
    EXPECT_EQ(raw().pragma_rows("foreign_key_check"), "");
}

TEST_F(StoryTest, ForeignKeysAreEnforced) {
    { open_catalog(); }
    Database db = raw();
    EXPECT_THROW(db.prepare("INSERT INTO markers (story_id, offset_ms, text) VALUES ('nobody', 1, 'x')").run(),
                 CatalogError);
}

TEST_F(StoryTest, TwoCatalogsOnOneFileSeeEachOthersCommits) {
    Catalog a = open_catalog();
    Catalog b = open_catalog();
    Story s = a.create_story(two_person_story());
    ASSERT_TRUE(b.get(s.id));
    EXPECT_EQ(b.get(s.id)->title, "Grandma's kitchen");

    b.update_metadata(s.id, "Edited elsewhere", "", {"x"});
    EXPECT_EQ(a.get(s.id)->title, "Edited elsewhere");

    // They share the code counter and the change log.
    EXPECT_EQ(b.create_story(NewStory{}).code, "MAIN-0002");
    EXPECT_EQ(a.create_story(NewStory{}).code, "MAIN-0003");
    EXPECT_EQ(a.latest_seq(), b.latest_seq());
    EXPECT_EQ(a.latest_seq(), 4);
}

TEST_F(StoryTest, WritersOnTwoThreadsWithTheirOwnCatalogsNeverCollide) {
    { open_catalog(); }
    constexpr int per_thread = 40;
    std::vector<std::string> codes[2];
    std::string errors[2];
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
            try {
                Catalog cat = open_catalog();
                for (int i = 0; i < per_thread; ++i) {
                    Story s = cat.create_story(two_person_story());
                    cat.add_marker(s.id, Marker{i, "q"});
                    codes[t].push_back(s.code);
                    // Two programs sharing a catalog (the daemon and a command) write now and
                    // then, not back to back: SQLite's busy wait is not fair to a writer that never
                    // pauses, and on a slow machine the other would wait past the busy timeout.
                    std::this_thread::sleep_for(std::chrono::milliseconds(2));
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
            }
        });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    std::set<std::string> all(codes[0].begin(), codes[0].end());
    all.insert(codes[1].begin(), codes[1].end());
    EXPECT_EQ(all.size(), 2u * per_thread);
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.latest_seq(), 4 * per_thread);
    EXPECT_EQ(cat.integrity_check(), "ok");
}

TEST_F(StoryTest, OneCatalogSharedByThreadsSerialisesItsCalls) {
    Catalog cat = open_catalog();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                Story s = cat.create_story(NewStory{});
                cat.update_metadata(s.id, "t", "d", {"k"});
                EXPECT_TRUE(cat.get(s.id));
            }
        });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(cat.list().size(), 100u);
    EXPECT_EQ(cat.latest_seq(), 200);
}

TEST_F(StoryTest, ACatalogCanBeMoved) {
    Catalog a = open_catalog();
    Story s = a.create_story(NewStory{});
    Catalog b = std::move(a);
    EXPECT_TRUE(b.get(s.id));
    EXPECT_EQ(b.path(), db_path());
}
