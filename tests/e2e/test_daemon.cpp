// The booth daemon through its HTTP API, as the touchscreen and the librarian's browser use it.
#include "catalog/catalog.hpp"
#include "e2e/daemon.hpp"

#include <gtest/gtest.h>
#include <regex>

using namespace sbtest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

httplib::Result put(httplib::Client& c, const std::string& path, const json& body) {
    return c.Put(path, body.dump(), "application/json");
}
httplib::Result post(httplib::Client& c, const std::string& path, const json& body = json::object()) {
    return c.Post(path, body.dump(), "application/json");
}

std::string state_of(const httplib::Result& r) { return body_json(r)["state"].get<std::string>(); }

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

std::string login(httplib::Client& c, const std::string& pin) {
    auto r = post(c, "/api/v1/admin/login", {{"pin", pin}});
    if (!r || r->status != 200) return "";
    const std::string cookie = r->get_header_value("Set-Cookie");
    const std::string token = cookie.substr(0, cookie.find(';'));
    c.set_default_headers({{"Cookie", token}, {"X-CSRF-Token", body_json(r)["csrf"].get<std::string>()}});
    return token;
}

void set_pin(const fs::path& data, const std::string& pin) {
    auto r = run("echo " + q(pin) + " | " + q(storybooth()) + " admin set-pin --data " + q(data.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace

TEST(Daemon, HealthSaysWhatTheBoothIsDoing) {
    TempDir t;
    Daemon d(t / "data");
    auto c = d.client();
    auto r = c.Get("/api/v1/health");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    auto j = body_json(r);
    EXPECT_EQ(j["state"], "welcome");
    EXPECT_TRUE(j["mic"]["present"].get<bool>());
    EXPECT_NE(j["mic"]["name"].get<std::string>().find("simulated"), std::string::npos);
    EXPECT_GT(j["disk_free_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_GT(j["recording_seconds_left"].get<std::int64_t>(), 0);
    EXPECT_FALSE(j["version"].get<std::string>().empty());
}

TEST(Daemon, WithoutAMicrophoneItSaysSoAndRefusesToRecord) {
    // No --input, and this machine has no sound card: a clear reason, no crash.
    TempDir t;
    std::vector<std::string> argv = {storybooth(), "run", "--data", (t / "data").string(), "--listen", "127.0.0.1:0",
                                     "--device", "Booth USB Mic That Is Not Here"};
    Process p(argv, t / "log.txt");
    ASSERT_TRUE(p.wait_for_stderr("serving on http://127.0.0.1:", std::chrono::seconds(20))) << slurp_file(t / "log.txt");
    std::smatch m;
    const std::string log = slurp_file(t / "log.txt");
    ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(127\.0\.0\.1:(\d+)/)")));
    httplib::Client c("127.0.0.1", std::stoi(m[1]));
    auto h = body_json(c.Get("/api/v1/health"));
    EXPECT_FALSE(h["mic"]["present"].get<bool>());
    ASSERT_EQ(post(c, "/api/v1/session", {{"language", "en"}})->status, 200);
    put(c, "/api/v1/session/participants", json::array({{{"name", "Ana"}, {"role", "storyteller"}}}));
    put(c, "/api/v1/session/consent", json::array({{{"participant", 0}, {"choice", "private"}, {"typed_name", "Ana"}}}));
    put(c, "/api/v1/session/questions", json::array({{{"text", "Where were you born?"}}}));
    auto r = post(c, "/api/v1/session/mic-check");
    EXPECT_EQ(r->status, 503);
    EXPECT_NE(body_json(r)["error"].get<std::string>().find("icrophone"), std::string::npos) << r->body;
    EXPECT_EQ(state_of(c.Get("/api/v1/session")), "questions");
    p.kill(SIGTERM);
    p.wait();
}

TEST(Daemon, AFullSessionFromWelcomeToSavedKeepsEverything) {
    TempDir t;
    Daemon d(t / "data");
    auto c = d.client();
    walk_to_mic_check(c);
    sleep_s(2.3);  // a full pre-roll's worth of mic check
    auto r = post(c, "/api/v1/session/record");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(state_of(r), "recording");
    sleep_s(1.5);
    ASSERT_EQ(post(c, "/api/v1/session/next-question")->status, 200);
    sleep_s(1.0);
    r = post(c, "/api/v1/session/pause");
    EXPECT_EQ(state_of(r), "paused");
    sleep_s(1.0);
    r = post(c, "/api/v1/session/resume");
    EXPECT_EQ(state_of(r), "recording");
    sleep_s(0.8);
    r = post(c, "/api/v1/session/stop");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(state_of(r), "review");

    // Listen back, with seeking (HTTP Range).
    auto audio = c.Get("/api/v1/session/audio");
    ASSERT_EQ(audio->status, 200);
    EXPECT_EQ(audio->get_header_value("Content-Type"), "audio/ogg");
    EXPECT_EQ(audio->body.compare(0, 4, "OggS"), 0);
    auto part = c.Get("/api/v1/session/audio", {{"Range", "bytes=100-199"}});
    ASSERT_EQ(part->status, 206);
    EXPECT_EQ(part->body, audio->body.substr(100, 100));
    const std::string size = std::to_string(audio->body.size());
    auto past = c.Get("/api/v1/session/audio", {{"Range", "bytes=" + size + "-"}});
    ASSERT_TRUE(past);
    EXPECT_EQ(past->status, 416) << "a range past the end is refused, not answered with the whole file";
    EXPECT_EQ(past->get_header_value("Content-Range"), "bytes */" + size);

    r = put(c, "/api/v1/session/review", {{"title", "Summers on the river"}, {"description", "Rosa remembers."}, {"keywords", {"river", "family"}}});
    ASSERT_EQ(r->status, 200) << r->body;
    r = post(c, "/api/v1/session/save");
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = body_json(r);
    EXPECT_EQ(j["state"], "saved");
    const std::string id = j["story"]["id"];
    EXPECT_EQ(j["story"]["code"].get<std::string>().rfind("MAIN-", 0), 0u);

    auto cat = sb::Catalog::open(t / "data" / "catalog.db");
    auto s = cat.get(id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, "complete");
    EXPECT_EQ(s->title, "Summers on the river");
    EXPECT_EQ(s->share_level, "community");
    ASSERT_EQ(s->participants.size(), 2u);
    EXPECT_EQ(s->participants[0].name, "Rosa Díaz");
    ASSERT_TRUE(s->participants[0].consent);
    EXPECT_EQ(s->participants[0].consent->choice, "community");
    EXPECT_EQ(s->questions.size(), 2u);
    ASSERT_EQ(s->markers.size(), 1u);
    // Pre-roll (~2 s) + 1.5 s before "Next question".
    EXPECT_GT(s->markers[0].offset_ms, 1500);
    EXPECT_LT(s->markers[0].offset_ms, 4500);
    // Paused time is not in the recording: ~2 s pre-roll + 1.5 + 1.0 + 0.8.
    EXPECT_GT(*s->duration_ms, 4000);
    EXPECT_LT(*s->duration_ms, 6500);
    ASSERT_EQ(s->files.size(), 2u);
    for (const auto& f : s->files) EXPECT_EQ(fs::file_size(t / "data" / f.path), f.size);
    auto tags = opus_comments(t / "data" / (s->files[0].kind == "listening" ? s->files[0].path : s->files[1].path));
    EXPECT_NE(std::find(tags.begin(), tags.end(), "TITLE=Summers on the river"), tags.end());
    EXPECT_NE(std::find(tags.begin(), tags.end(), "CHAPTER001NAME=What do you remember about your grandmother?"), tags.end());
}

TEST(Daemon, DeletingAtReviewRemovesTheStoryForGoodLeavingATombstone) {
    TempDir t;
    Daemon d(t / "data");
    auto c = d.client();
    walk_to_mic_check(c);
    ASSERT_EQ(post(c, "/api/v1/session/record")->status, 200);
    sleep_s(1.0);
    auto r = post(c, "/api/v1/session/stop");
    const std::string id = body_json(r)["story"]["id"];
    r = c.Delete("/api/v1/session");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(state_of(r), "deleted");
    EXPECT_FALSE(fs::exists(t / "data" / "stories" / id));
    auto cat = sb::Catalog::open(t / "data" / "catalog.db");
    EXPECT_FALSE(cat.get(id));
    auto changes = cat.changes_since(0, 100);
    ASSERT_FALSE(changes.empty());
    EXPECT_EQ(changes.back().story_id, id);
    EXPECT_EQ(changes.back().kind, "tombstone");
}

TEST(Daemon, OutOfOrderAndMalformedRequestsAreRefusedAndChangeNothing) {
    TempDir t;
    Daemon d(t / "data");
    auto c = d.client();
    auto r = post(c, "/api/v1/session/record");
    EXPECT_EQ(r->status, 409);
    EXPECT_FALSE(body_json(r)["error"].get<std::string>().empty());
    EXPECT_EQ(state_of(c.Get("/api/v1/session")), "welcome");

    ASSERT_EQ(post(c, "/api/v1/session", {{"language", "en"}})->status, 200);
    r = c.Put("/api/v1/session/participants", "[{\"name\": ", "application/json");
    EXPECT_EQ(r->status, 400);
    r = put(c, "/api/v1/session/participants", json::array({{{"name", 42}, {"role", "storyteller"}}}));
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(body_json(r)["error"].get<std::string>().find("name"), std::string::npos);
    r = put(c, "/api/v1/session/participants", json::array({{{"name", "A"}, {"role", "storyteller"}}, {{"name", "B"}, {"role", "interviewer"}},
                                                             {{"name", "C"}, {"role", "interviewer"}}}));
    EXPECT_EQ(r->status, 422);
    r = c.Put("/api/v1/session/participants", "[{\"name\": \"\xff\xfe\", \"role\": \"storyteller\"}]", "application/json");
    EXPECT_EQ(r->status, 400);  // not UTF-8
    r = c.Put("/api/v1/session/participants", std::string(100 * 1024, ' '), "application/json");
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(state_of(c.Get("/api/v1/session")), "participants");
    r = c.Get("/api/v1/no-such-thing");
    EXPECT_EQ(r->status, 404);
    EXPECT_TRUE(body_json(r).contains("error"));
}

TEST(Daemon, LevelsStreamAtLeastTenTimesASecondWhileTheMicIsOpen) {
    TempDir t;
    Daemon d(t / "data");
    auto c = d.client();
    EventRecorder events(d.port());
    sleep_s(0.3);
    walk_to_mic_check(c);
    const std::size_t before = events.count("level");
    sleep_s(3.0);
    const std::size_t n = events.count("level") - before;
    EXPECT_GE(n, 27u) << n << " level events in 3 s";
    EXPECT_GE(events.count("state"), 4u);
    auto last = events.events();
    for (auto it = last.rbegin(); it != last.rend(); ++it)
        if (it->first == "level") {
            auto j = json::parse(it->second);
            EXPECT_EQ(j["channels"].size(), 2u);
            EXPECT_TRUE(j["channels"][0].contains("peak_dbfs"));
            break;
        }
}

TEST(Daemon, TheTimeLimitWarnsTwiceThenStopsAndKeepsTheStory) {
    TempDir t;
    Daemon d(t / "data", {"--time-limit-minutes", "0.1", "--warning-minutes", "0.05,0.025"});
    auto c = d.client();
    EventRecorder events(d.port());
    sleep_s(0.3);
    walk_to_mic_check(c);
    ASSERT_EQ(post(c, "/api/v1/session/record")->status, 200);
    for (int i = 0; i < 100 && state_of(c.Get("/api/v1/session")) != "review"; ++i) sleep_s(0.1);
    EXPECT_EQ(state_of(c.Get("/api/v1/session")), "review");
    sleep_s(0.3);
    EXPECT_EQ(events.count("warning"), 2u);
    EXPECT_GE(events.count("timer"), 3u);
    auto s = body_json(c.Get("/api/v1/session"));
    EXPECT_NEAR(s["elapsed_ms"].get<double>(), 6000.0, 300.0);
}

TEST(Daemon, SigtermDuringARecordingSavesIt) {
    TempDir t;
    std::string id;
    {
        Daemon d(t / "data");
        auto c = d.client();
        walk_to_mic_check(c);
        sleep_s(2.3);
        auto r = post(c, "/api/v1/session/record");
        id = body_json(r)["story"]["id"];
        sleep_s(1.0);
        EXPECT_EQ(d.stop(SIGTERM), 0);
    }
    auto cat = sb::Catalog::open(t / "data" / "catalog.db");
    auto s = cat.get(id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, "complete");
    EXPECT_GT(*s->duration_ms, 2000);
}

TEST(Daemon, SigkillDuringARecordingIsRecoveredAtTheNextStart) {
    TempDir t;
    std::string id;
    {
        Daemon d(t / "data");
        auto c = d.client();
        walk_to_mic_check(c);
        sleep_s(2.3);
        id = body_json(post(c, "/api/v1/session/record"))["story"]["id"];
        sleep_s(1.5);
        d.stop(SIGKILL);
    }
    Daemon again(t / "data");
    auto cat = sb::Catalog::open(t / "data" / "catalog.db");
    auto s = cat.get(id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, "recovered");
    EXPECT_GT(*s->duration_ms, 2500);
}

TEST(Admin, LoginLockoutCsrfAndTheLockSurvivesARestart) {
    TempDir t;
    set_pin(t / "data", "2468");
    {
        Daemon d(t / "data");
        auto c = d.client();
        EXPECT_EQ(c.Get("/api/v1/admin/dashboard")->status, 401);
        auto r = post(c, "/api/v1/admin/login", {{"pin", "1111"}});
        EXPECT_EQ(r->status, 401);
        EXPECT_NE(body_json(r)["error"].get<std::string>().find("4 tries left"), std::string::npos) << r->body;
        ASSERT_FALSE(login(c, "2468").empty());
        EXPECT_EQ(c.Get("/api/v1/admin/dashboard")->status, 200);
        auto settings = c.Get("/api/v1/admin/settings");
        ASSERT_EQ(settings->status, 200);
        EXPECT_EQ(body_json(settings)["booth-name"], "Story booth");
        auto ok = put(c, "/api/v1/admin/settings", {{"booth-name", "Biblioteca Central"}});
        EXPECT_EQ(ok->status, 200) << ok->body;
        auto bad = put(c, "/api/v1/admin/settings", {{"time-limit-minutes", "90"}});
        EXPECT_EQ(bad->status, 422);
        // Five wrong PINs lock everyone out, even with the right PIN.
        httplib::Client other("127.0.0.1", d.port());
        for (int i = 0; i < 5; ++i) post(other, "/api/v1/admin/login", {{"pin", "0000"}});
        auto locked = post(other, "/api/v1/admin/login", {{"pin", "2468"}});
        EXPECT_EQ(locked->status, 429);
        EXPECT_NE(body_json(locked)["error"].get<std::string>().find("Try again in"), std::string::npos);
    }
    Daemon d(t / "data");
    auto c = d.client();
    EXPECT_EQ(post(c, "/api/v1/admin/login", {{"pin", "2468"}})->status, 429);
    // The PIN never reaches the log.
    EXPECT_EQ(d.log().find("2468"), std::string::npos);
}

TEST(Admin, ChangesWithoutTheCsrfTokenAreRefused) {
    TempDir t;
    set_pin(t / "data", "2468");
    Daemon d(t / "data");
    auto c = d.client();
    auto r = post(c, "/api/v1/admin/login", {{"pin", "2468"}});
    ASSERT_EQ(r->status, 200);
    const std::string cookie = r->get_header_value("Set-Cookie");
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    httplib::Client c2("127.0.0.1", d.port());
    c2.set_default_headers({{"Cookie", cookie.substr(0, cookie.find(';'))}});
    EXPECT_EQ(c2.Get("/api/v1/admin/dashboard")->status, 200);
    EXPECT_EQ(put(c2, "/api/v1/admin/settings", {{"booth-name", "X"}})->status, 403);
    c2.set_default_headers({{"Cookie", cookie.substr(0, cookie.find(';'))}, {"X-CSRF-Token", "wrong"}});
    EXPECT_EQ(put(c2, "/api/v1/admin/settings", {{"booth-name", "X"}})->status, 403);
}

TEST(Admin, SearchEditWithdrawAndDeleteAStory) {
    TempDir t;
    set_pin(t / "data", "2468");
    Daemon d(t / "data");
    auto c = d.client();
    walk_to_mic_check(c);
    ASSERT_EQ(post(c, "/api/v1/session/record")->status, 200);
    sleep_s(0.8);
    post(c, "/api/v1/session/stop");
    put(c, "/api/v1/session/review", {{"title", "Río summers"}, {"keywords", {"river"}}});
    const std::string id = body_json(post(c, "/api/v1/session/save"))["story"]["id"];

    httplib::Client a("127.0.0.1", d.port());
    ASSERT_FALSE(login(a, "2468").empty());
    auto r = a.Get("/api/v1/admin/stories?q=rio");
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = body_json(r);
    ASSERT_EQ(j["total"], 1);
    EXPECT_EQ(j["stories"][0]["id"], id);
    EXPECT_EQ(body_json(a.Get("/api/v1/admin/stories?q=Rosa"))["total"], 1);
    EXPECT_EQ(body_json(a.Get("/api/v1/admin/stories?q=%22%29%20OR%201%3D1%20--"))["total"], 0);
    EXPECT_EQ(a.Get("/api/v1/admin/stories?limit=abc")->status, 400);

    r = a.Patch("/api/v1/admin/stories/" + id, json{{"title", "Summers on the Río"}}.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_json(r)["title"], "Summers on the Río");
    EXPECT_EQ(a.Get("/api/v1/admin/stories/" + id + "/audio")->status, 200);

    // A secret link for the private story: made once, shown in full once the site's address is known.
    r = a.Patch("/api/v1/admin/stories/" + id, json{{"share_level", "private"}}.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_TRUE(body_json(r)["secret_link"].is_null());
    r = a.Post("/api/v1/admin/stories/" + id + "/secret-link", "", "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    const std::string path = body_json(r)["secret_link"]["path"];
    EXPECT_TRUE(std::regex_match(path, std::regex("s/[0-9a-f]{32}/"))) << path;
    EXPECT_TRUE(body_json(r)["secret_link"]["url"].is_null());
    EXPECT_EQ(body_json(a.Post("/api/v1/admin/stories/" + id + "/secret-link", "", "application/json"))["secret_link"]["path"], path);
    ASSERT_EQ(a.Put("/api/v1/admin/settings", json{{"site-url", "https://library.example.org/stories"}}.dump(), "application/json")->status, 200);
    EXPECT_EQ(body_json(a.Get("/api/v1/admin/stories/" + id))["secret_link"]["url"], "https://library.example.org/stories/" + path);
    EXPECT_EQ(a.Put("/api/v1/admin/settings", json{{"site-url", "javascript:alert(1)"}}.dump(), "application/json")->status, 422);
    {
        auto cat = sb::Catalog::open(t / "data" / "catalog.db");
        EXPECT_EQ("s/" + cat.get(id)->secret_link + "/", path);
        EXPECT_EQ(cat.changes_since(0, 1000).back().kind, "upsert");  // laptops hear of it
    }
    r = a.Delete("/api/v1/admin/stories/" + id + "/secret-link");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_TRUE(body_json(r)["secret_link"].is_null());
    ASSERT_EQ(a.Post("/api/v1/admin/stories/" + id + "/secret-link", "", "application/json")->status, 200);

    r = a.Post("/api/v1/admin/stories/" + id + "/withdraw", "", "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_json(r)["state"], "withdrawn");
    EXPECT_EQ(a.Post("/api/v1/admin/stories/" + id + "/secret-link", "", "application/json")->status, 409);
    {
        auto cat = sb::Catalog::open(t / "data" / "catalog.db");
        auto ch = cat.changes_since(0, 1000);
        EXPECT_EQ(ch.back().kind, "tombstone");
        EXPECT_EQ(ch.back().story_id, id);
    }
    r = a.Delete("/api/v1/admin/stories/" + id);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(a.Get("/api/v1/admin/stories/" + id)->status, 404);
    EXPECT_FALSE(fs::exists(t / "data" / "stories" / id));
    auto audit = body_json(a.Get("/api/v1/admin/audit"));
    std::vector<std::string> actions;
    for (const auto& e : audit) actions.push_back(e["action"]);
    for (const char* want : {"story_edited", "secret_link_made", "secret_link_removed", "story_withdrawn", "story_deleted", "login"})
        EXPECT_NE(std::find(actions.begin(), actions.end(), want), actions.end()) << want;
    EXPECT_EQ(a.Get("/api/v1/admin/stories/not-a-uuid")->status, 404);
}

TEST(Admin, PairingCodeIsIssuedOnlyToALibrarian) {
    TempDir t;
    set_pin(t / "data", "2468");
    Daemon d(t / "data");
    auto c = d.client();
    EXPECT_EQ(post(c, "/api/v1/admin/pairing")->status, 401);
    ASSERT_FALSE(login(c, "2468").empty());
    auto r = post(c, "/api/v1/admin/pairing");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(body_json(r)["code"].get<std::string>().size(), 8u);
}

TEST(Admin, TheFirstPinCanBeSetOnlyFromTheBoothsScreenAndOnlyOnce) {
    TempDir t;
    Daemon d(t / "data");
    auto c = d.client();
    EXPECT_EQ(post(c, "/api/v1/admin/login", {{"pin", "1234"}})->status, 409);
    EXPECT_EQ(post(c, "/api/v1/admin/setup-pin", {{"pin", "12"}})->status, 422);
    EXPECT_EQ(post(c, "/api/v1/admin/setup-pin", {{"pin", "1234"}})->status, 200);
    EXPECT_EQ(post(c, "/api/v1/admin/setup-pin", {{"pin", "9999"}})->status, 409);
    EXPECT_FALSE(login(c, "1234").empty());
}

TEST(Admin, TwoQuestionSetsWithOneNameAreRefusedAndTheSavedSetsStay) {
    TempDir t;
    set_pin(t / "data", "2468");
    Daemon d(t / "data");
    auto c = d.client();
    ASSERT_FALSE(login(c, "2468").empty());
    auto r = c.Put("/api/v1/admin/questions",
                   json::array({{{"name", "Family"}, {"language", "en"}, {"questions", {"Who raised you?"}}}}).dump(),
                   "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    r = c.Put("/api/v1/admin/questions",
              json::array({{{"name", "Work"}, {"language", "en"}, {"questions", {"What was your first job?"}}},
                           {{"name", "Work"}, {"language", "en"}, {"questions", {"Who taught you the trade?"}}}})
                  .dump(),
              "application/json");
    ASSERT_EQ(r->status, 422);
    EXPECT_NE(body_json(r)["error"].get<std::string>().find("\"Work\""), std::string::npos);
    const auto sets = body_json(c.Get("/api/v1/admin/questions"));
    ASSERT_EQ(sets.size(), 1u) << sets.dump();
    EXPECT_EQ(sets[0]["name"], "Family");
}
