// STORY, BOOTH and ENTRY JSON of the sync protocol: what the booth sends, and how strictly a
// reader checks what it is given.
#include "feed_test_util.hpp"
#include "common/ids.hpp"

#include <gmock/gmock.h>

using namespace sb;
using namespace sb::test;
using feed::json;
using ::testing::HasSubstr;

using StoryJson = FeedTest;

namespace {

// The message of the sb::Error `fn` throws ("" if it throws none).
template <typename Fn>
std::string error_of(Fn fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::set<std::string> keys(const json& j) {
    std::set<std::string> out;
    for (const auto& [k, v] : j.items()) out.insert(k);
    return out;
}

}  // namespace

TEST_F(StoryJson, HasExactlyTheFieldsOfTheProtocol) {
    const json j = feed::story_to_json(finished_story("Grandma's kitchen"));
    EXPECT_EQ(keys(j), (std::set<std::string>{"id", "code", "state", "title", "description", "language", "share_level",
                                              "created_at", "started_at", "ended_at", "updated_at", "clock_trusted",
                                              "duration_ms", "lufs", "true_peak_dbtp", "channels", "sample_rate", "bitrate",
                                              "note", "secret_link", "participants", "questions", "markers", "keywords", "files"}));
    EXPECT_TRUE(j["secret_link"].is_null());
    EXPECT_EQ(keys(j["participants"][0]),
              (std::set<std::string>{"name", "role", "age_range", "relationship", "channel", "consent"}));
    EXPECT_EQ(keys(j["participants"][0]["consent"]),
              (std::set<std::string>{"release_version", "choice", "typed_name", "guardian_name", "agreed_at"}));
    EXPECT_EQ(keys(j["markers"][0]), (std::set<std::string>{"offset_ms", "text"}));
    ASSERT_EQ(j["files"].size(), 2u);
    EXPECT_EQ(keys(j["files"][0]), (std::set<std::string>{"name", "kind", "size", "sha256"}));
    EXPECT_EQ(j["files"][0]["name"], "story.opus");
    EXPECT_EQ(j["files"][0]["kind"], "listening");
    EXPECT_EQ(j["files"][1]["name"], "master.flac");
    EXPECT_EQ(j["files"][1]["kind"], "master");
    EXPECT_EQ(j["participants"][1]["consent"]["guardian_name"], "Maria Díaz");
}

TEST_F(StoryJson, RoundTripsEveryField) {
    const Story s = finished_story("Río Grande summers");
    const Story back = feed::story_from_json(json::parse(feed::story_to_json(s).dump()));
    EXPECT_EQ(feed::story_to_json(back), feed::story_to_json(s));
    EXPECT_EQ(back.id, s.id);
    EXPECT_EQ(back.lufs, s.lufs);  // not rounded on the way
    ASSERT_EQ(back.files.size(), 2u);
    EXPECT_EQ(back.files[0].path, "stories/" + s.id + "/story.opus");  // as the catalog stores it
    EXPECT_EQ(back.files[1].size, 7000u);
    EXPECT_EQ(back.participants[0].consent->typed_name, "Rosa Díaz");
    EXPECT_EQ(back.markers[0].offset_ms, 1500);
}

TEST_F(StoryJson, ASecretLinkRoundTripsAndAnOlderBoothMayLeaveItOut) {
    Story s = finished_story("Kitchen songs");
    s.secret_link = new_secret_link();
    const json j = feed::story_to_json(s);
    EXPECT_EQ(j["secret_link"], s.secret_link);
    EXPECT_EQ(feed::story_from_json(j).secret_link, s.secret_link);
    json old = j;
    old.erase("secret_link");
    EXPECT_EQ(feed::story_from_json(old).secret_link, "");
    json bad = j;
    bad["secret_link"] = "../../etc";
    EXPECT_THAT(error_of([&] { feed::story_from_json(bad); }), HasSubstr("story.secret_link"));
}

TEST_F(StoryJson, OnlyAFinishedStoryWithEveryConsentForCommunityIsShareable) {
    Story s = finished_story("Shared");
    for (auto& p : s.participants) p.consent->choice = "community";
    s.share_level = "community";
    EXPECT_TRUE(feed::is_shareable(s));
    Story one_no = s;
    one_no.participants[1].consent->choice = "private";
    EXPECT_FALSE(feed::is_shareable(one_no));
    Story no_consent = s;
    no_consent.participants[0].consent.reset();
    EXPECT_FALSE(feed::is_shareable(no_consent));
    Story nobody = s;
    nobody.participants.clear();
    EXPECT_FALSE(feed::is_shareable(nobody));
    Story private_level = s;
    private_level.share_level = "private";
    EXPECT_FALSE(feed::is_shareable(private_level));
    for (const char* state : {"withdrawn", "deleted", "recording"}) {
        Story other = s;
        other.state = state;
        EXPECT_FALSE(feed::is_shareable(other)) << state;
        other.secret_link = new_secret_link();
        EXPECT_FALSE(feed::has_secret_page(other)) << state;
    }
    Story secret = private_level;
    EXPECT_FALSE(feed::has_secret_page(secret));
    secret.secret_link = new_secret_link();
    EXPECT_TRUE(feed::has_secret_page(secret));
    Story shared_with_link = s;
    shared_with_link.secret_link = new_secret_link();
    EXPECT_FALSE(feed::has_secret_page(shared_with_link));  // its page is the public one
}

TEST_F(StoryJson, UnknownNumbersAndMissingConsentAreNull) {
    Story s = cat().create_story(NewStory{});
    const json j = feed::story_to_json(s);
    EXPECT_TRUE(j["duration_ms"].is_null());
    EXPECT_TRUE(j["lufs"].is_null());
    EXPECT_TRUE(j["true_peak_dbtp"].is_null());
    Story back = feed::story_from_json(j);
    EXPECT_FALSE(back.duration_ms);
    EXPECT_FALSE(back.lufs);

    s.participants = {Participant{"Ana", "30-39", "", "storyteller", 0, std::nullopt}};
    const json p = feed::story_to_json(s);
    EXPECT_TRUE(p["participants"][0]["consent"].is_null());
    EXPECT_FALSE(feed::story_from_json(p).participants[0].consent);
}

TEST_F(StoryJson, RejectsMalformedStoriesNamingTheField) {
    const json good = feed::story_to_json(finished_story("Good"));
    struct Case {
        std::function<void(json&)> spoil;
        std::string field, says;
    };
    const std::vector<Case> cases = {
        {[](json& j) { j["id"] = "not-a-uuid"; }, "story.id", "UUID"},
        {[](json& j) { j["id"] = "0B9F1C2E-1D7A-4C1B-9F3E-2A1B3C4D5E6F"; }, "story.id", "lower-case UUID"},
        {[](json& j) { j["id"] = "../../etc"; }, "story.id", "UUID"},
        {[](json& j) { j["files"][0]["sha256"] = "abc"; }, "story.files[0].sha256", "64 lower-case hex"},
        {[](json& j) { j["files"][1]["sha256"] = std::string(64, 'A'); }, "story.files[1].sha256", "64 lower-case hex"},
        {[](json& j) { j["files"][0]["sha256"] = 12; }, "story.files[0].sha256", "must be text"},
        {[](json& j) { j["files"][0]["name"] = "../catalog.db"; }, "story.files[0].name", "story.opus or master.flac"},
        {[](json& j) { j["files"][0]["name"] = "/etc/passwd"; }, "story.files[0].name", "story.opus or master.flac"},
        {[](json& j) { j["files"][0]["name"] = "story.wav"; }, "story.files[0].name", "story.opus or master.flac"},
        {[](json& j) { j["files"][0]["kind"] = "master"; }, "story.files[0].kind", "does not go with"},
        {[](json& j) { j["files"][1] = j["files"][0]; }, "story.files[1].name", "second time"},
        {[](json& j) { j["files"][0]["size"] = -1; }, "story.files[0].size", "0 or more"},
        {[](json& j) { j["files"][0]["size"] = 1.5; }, "story.files[0].size", "whole number"},
        {[](json& j) { j["files"][0]["size"] = "12"; }, "story.files[0].size", "whole number"},
        {[](json& j) { j["files"][0].erase("size"); }, "story.files[0].size", "missing"},
        {[](json& j) { j["files"] = "story.opus"; }, "story.files", "must be a list"},
        {[](json& j) { j["files"][0] = "story.opus"; }, "story.files[0]", "must be an object"},
        {[](json& j) { j["title"] = 42; }, "story.title", "must be text"},
        {[](json& j) { j["clock_trusted"] = "yes"; }, "story.clock_trusted", "true or false"},
        {[](json& j) { j["state"] = "published"; }, "story.state", "must be one of"},
        {[](json& j) { j["share_level"] = "public"; }, "story.share_level", "must be one of"},
        {[](json& j) { j["duration_ms"] = -5; }, "story.duration_ms", "0 or more"},
        {[](json& j) { j["lufs"] = "loud"; }, "story.lufs", "number or null"},
        {[](json& j) { j["channels"] = nullptr; }, "story.channels", "whole number"},
        {[](json& j) { j["participants"][0]["role"] = "host"; }, "story.participants[0].role", "must be one of"},
        {[](json& j) { j["participants"][1]["consent"]["choice"] = 3; }, "story.participants[1].consent.choice", "must be text"},
        {[](json& j) { j["markers"][0]["offset_ms"] = -1; }, "story.markers[0].offset_ms", "0 or more"},
        {[](json& j) { j["keywords"] = json::array({"a", 1}); }, "story.keywords[1]", "must be text"},
        {[](json& j) { j.erase("questions"); }, "story.questions", "missing"},
    };
    for (const Case& c : cases) {
        json bad = good;
        c.spoil(bad);
        const std::string msg = error_of([&] { feed::story_from_json(bad); });
        EXPECT_THAT(msg, HasSubstr(c.field)) << bad.dump();
        EXPECT_THAT(msg, HasSubstr(c.says)) << msg;
    }
    EXPECT_THAT(error_of([] { feed::story_from_json(json::array()); }), HasSubstr("story must be an object"));
    EXPECT_EQ(error_of([&] { feed::story_from_json(good); }), "");
}

TEST_F(StoryJson, BoothIdIsMadeOnceAndKept) {
    const std::string id = feed::booth_id(cat());
    EXPECT_TRUE(is_uuid(id));
    EXPECT_EQ(feed::booth_id(cat()), id);
    EXPECT_EQ(cat().setting("booth_id", ""), id);
    // Another process, the same catalog: the same booth.
    Catalog other = Catalog::open(data() / "catalog.db");
    EXPECT_EQ(feed::booth_id(other), id);
    // The name and code may change; the id does not.
    cat().set_setting("booth_name", "East branch booth");
    cat().set_setting("booth_code", "EAST");
    const feed::BoothInfo b = feed::booth_info(cat(), "1.2.3");
    EXPECT_EQ(b.id, id);
    EXPECT_EQ(b.name, "East branch booth");
    EXPECT_EQ(b.code, "EAST");
    EXPECT_EQ(b.version, "1.2.3");
    EXPECT_EQ(feed::booth_to_json(b), (json{{"id", id}, {"name", "East branch booth"}, {"code", "EAST"}, {"version", "1.2.3"}}));
}

TEST_F(StoryJson, BoothDefaultsAndADamagedIdIsReported) {
    const feed::BoothInfo b = feed::booth_info(cat(), "0.1.0");
    EXPECT_EQ(b.name, "Story booth");
    EXPECT_EQ(b.code, "MAIN");
    cat().set_setting("booth_id", "garbage");
    EXPECT_THAT(error_of([&] { feed::booth_id(cat()); }), HasSubstr("damaged"));
}

TEST_F(StoryJson, BoothParserChecksTheId) {
    json b = feed::booth_to_json(booth());
    EXPECT_EQ(feed::booth_from_json(b).id, booth().id);
    b["id"] = "x";
    EXPECT_THAT(error_of([&] { feed::booth_from_json(b); }), HasSubstr("booth.id must be a lower-case UUID"));
    b = feed::booth_to_json(booth());
    b.erase("version");
    EXPECT_THAT(error_of([&] { feed::booth_from_json(b); }), HasSubstr("booth.version is missing"));
}

TEST_F(StoryJson, EntriesParseAndNameTheirPlaceInThePage) {
    const Story s = finished_story("One");
    feed::ChangesPage page = feed::changes_page(cat(), booth(), 0, 100);
    const json j = feed::changes_to_json(page);
    const feed::ChangesPage back = feed::changes_from_json(j);
    EXPECT_EQ(feed::changes_to_json(back), j);

    json bad = j;
    bad["changes"][0]["story"]["files"][0]["name"] = "../../x";
    EXPECT_THAT(error_of([&] { feed::changes_from_json(bad); }), HasSubstr("changes[0].story.files[0].name"));
    bad = j;
    bad["changes"][0]["kind"] = "update";
    EXPECT_THAT(error_of([&] { feed::changes_from_json(bad); }), HasSubstr("changes[0].kind must be one of upsert, tombstone"));
    bad = j;
    bad["changes"].push_back({{"seq", 1}, {"kind", "tombstone"}, {"story_id", s.id}, {"at", "2026-01-01T00:00:00.000Z"}});
    EXPECT_THAT(error_of([&] { feed::changes_from_json(bad); }), HasSubstr("changes[1].seq must be larger"));
    bad = j;
    bad["next"] = 0;
    EXPECT_THAT(error_of([&] { feed::changes_from_json(bad); }), HasSubstr("after 'next'"));
    bad = j;
    bad["more"] = "no";
    EXPECT_THAT(error_of([&] { feed::changes_from_json(bad); }), HasSubstr("more must be true or false"));
    bad = j;
    bad["changes"][0] = {{"seq", 9}, {"kind", "tombstone"}, {"story_id", "../x"}, {"at", ""}};
    bad["next"] = 9;
    EXPECT_THAT(error_of([&] { feed::changes_from_json(bad); }), HasSubstr("changes[0].story_id must be a lower-case UUID"));
}

TEST_F(StoryJson, FileNamesAndKindsAndTypes) {
    EXPECT_TRUE(feed::is_story_file_name("story.opus"));
    EXPECT_TRUE(feed::is_story_file_name("master.flac"));
    for (const char* n : {"", "..", ".", "catalog.db", "story.opus/", "/story.opus", "Story.opus", "master.flac.part"})
        EXPECT_FALSE(feed::is_story_file_name(n)) << n;
    EXPECT_EQ(feed::content_type("story.opus"), "audio/ogg");
    EXPECT_EQ(feed::content_type("master.flac"), "audio/flac");
    EXPECT_TRUE(feed::is_sha256_hex(sha256_hex("x")));
    EXPECT_FALSE(feed::is_sha256_hex(std::string(63, 'a')));
    EXPECT_EQ(feed::story_file_path("/d", "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f", "story.opus"),
              fs::path("/d/stories/0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f/story.opus"));
    EXPECT_THAT(error_of([] { feed::story_file_path("/d", "..", "story.opus"); }), HasSubstr("not a story id"));
    EXPECT_THAT(error_of([] { feed::story_file_path("/d", "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f", "../catalog.db"); }),
                HasSubstr("not a story file name"));
}
