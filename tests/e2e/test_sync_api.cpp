// The sync API (/sync/v1) and the USB export, against a real booth: stories recorded by
// `storybooth record`, then the daemon serving them, the way a laptop running storysync sees it.
#include "catalog/catalog.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "daemon/booth.hpp"
#include "e2e/daemon.hpp"
#include "web/http.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <regex>
#include <thread>

using namespace sbtest;
using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNotPaired =
    "This laptop is not paired with this booth. Pair it with 'storysync pair' and a code from the booth's admin page.";
constexpr const char* kRevoked =
    "This laptop's pairing was revoked on the booth (or never existed). Ask the librarian for a new pairing code and "
    "run 'storysync pair' again.";
constexpr const char* kWrongCode = "That pairing code is wrong, used or expired. Make a new one on the booth's admin page (Pairing).";

// The system clock, moved forward when a test needs time to pass (a pairing code to expire).
class ShiftedClock final : public sb::Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now() + std::chrono::milliseconds(shift_ms_.load());
    }
    bool trusted() const override { return true; }
    void advance(std::chrono::milliseconds d) { shift_ms_ += d.count(); }

private:
    std::atomic<long long> shift_ms_{0};
};

// Records a story with the real program; returns its id.
std::string record_story(const fs::path& data, const std::string& title, double seconds = 2) {
    auto r = run(q(storybooth()) + " record --data " + q(data.string()) + " --input " + q(conversation_wav().string()) +
                 " --seconds " + std::to_string(seconds) + " --title " + q(title) + " --json");
    if (r.exit_code != 0) throw std::runtime_error("record failed: " + r.err);
    return json::parse(r.out)["id"].get<std::string>();
}

void set_pin(const fs::path& data, const std::string& pin) {
    auto r = run("echo " + q(pin) + " | " + q(storybooth()) + " admin set-pin --data " + q(data.string()));
    if (r.exit_code != 0) throw std::runtime_error("set-pin failed: " + r.err);
}

httplib::Result post(httplib::Client& c, const std::string& path, const json& body = json::object()) {
    return c.Post(path, body.dump(), "application/json");
}

json body_of(const httplib::Result& r) {
    if (!r) throw std::runtime_error("no HTTP response");
    return json::parse(r->body);
}

std::string error_of(const httplib::Result& r) { return body_of(r).value("error", std::string()); }

// A booth daemon in this process (so the test owns its clock), serving `data` on a free port.
class SyncApi : public ::testing::Test {
protected:
    void SetUp() override {
        data_ = t_ / "data";
        for (const char* title : {"Grandma's kitchen", "The flood of 1974", "Leo's first bike"})
            ids_.push_back(record_story(data_, title));
        set_pin(data_, "2468");
        start();
    }
    void TearDown() override { stop(); }

    void start() {
        sb::Settings s;
        s.data = data_;
        s.listen = "127.0.0.1:0";
        s.input = conversation_wav();
        booth_ = std::make_unique<sb::Booth>(s, "0.1.0", clock_);
        port_ = booth_->bind();
        server_ = std::thread([this] { booth_->serve(); });
    }
    void stop() {
        if (!booth_) return;
        booth_->stop();
        server_.join();
        booth_.reset();
    }

    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_read_timeout(20, 0);
        return c;
    }
    // A client logged in as the librarian (cookie and CSRF header on every request).
    httplib::Client admin() const {
        httplib::Client c = client();
        auto r = post(c, "/api/v1/admin/login", {{"pin", "2468"}});
        if (!r || r->status != 200) throw std::runtime_error("login failed");
        const std::string cookie = r->get_header_value("Set-Cookie");
        c.set_default_headers({{"Cookie", cookie.substr(0, cookie.find(';'))}, {"X-CSRF-Token", body_of(r)["csrf"].get<std::string>()}});
        return c;
    }
    std::string new_code() const {
        httplib::Client a = admin();
        auto r = post(a, "/api/v1/admin/pairing");
        EXPECT_EQ(r->status, 200);
        return body_of(r)["code"].get<std::string>();
    }
    // Pairs a laptop; returns {token, laptop id}.
    std::pair<std::string, std::int64_t> pair(const std::string& host = "maria-laptop") const {
        httplib::Client c = client();
        auto r = post(c, "/sync/v1/pair", {{"code", new_code()}, {"host_name", host}});
        if (!r || r->status != 200) throw std::runtime_error("pairing failed: " + (r ? r->body : std::string("no answer")));
        const json j = body_of(r);
        return {j["token"].get<std::string>(), j["laptop_id"].get<std::int64_t>()};
    }
    httplib::Client laptop(const std::string& token) const {
        httplib::Client c = client();
        c.set_default_headers({{"Authorization", "Bearer " + token}});
        return c;
    }
    sb::Catalog catalog() const { return sb::Catalog::open(data_ / "catalog.db"); }

    // Every page from `since` with `limit`, in order.
    std::vector<json> all_pages(httplib::Client& c, std::int64_t since, int limit) const {
        std::vector<json> pages;
        for (int i = 0; i < 1000; ++i) {
            auto r = c.Get("/sync/v1/changes?since=" + std::to_string(since) + "&limit=" + std::to_string(limit));
            EXPECT_EQ(r->status, 200) << r->body;
            pages.push_back(body_of(r));
            since = pages.back()["next"].get<std::int64_t>();
            if (!pages.back()["more"].get<bool>()) break;
        }
        return pages;
    }

    TempDir t_;
    fs::path data_;
    std::vector<std::string> ids_;
    std::shared_ptr<ShiftedClock> clock_ = std::make_shared<ShiftedClock>();
    std::unique_ptr<sb::Booth> booth_;
    std::thread server_;
    int port_ = 0;
};

}  // namespace

// ---- pairing ----

TEST_F(SyncApi, PairingWithAGoodCodeGivesATokenThatWorks) {
    httplib::Client c = client();
    const std::string code = new_code();
    // Case, spaces and dashes do not matter.
    std::string typed = code.substr(0, 4) + " - " + code.substr(4);
    for (char& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto r = post(c, "/sync/v1/pair", {{"code", typed}, {"host_name", "maria-laptop"}});
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = body_of(r);
    const std::string token = j["token"].get<std::string>();
    EXPECT_GE(token.size(), 40u);
    EXPECT_GT(j["laptop_id"].get<std::int64_t>(), 0);
    EXPECT_TRUE(sb::is_uuid(j["booth"]["id"].get<std::string>()));
    EXPECT_EQ(j["booth"]["name"], "Story booth");
    EXPECT_EQ(j["booth"]["code"], "MAIN");
    EXPECT_EQ(j["booth"]["version"], "0.1.0");

    httplib::Client l = laptop(token);
    r = l.Get("/sync/v1/booth");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_of(r)["booth"], j["booth"]);
    EXPECT_EQ(body_of(r)["latest_seq"], catalog().latest_seq());
    // The booth keeps only the token's hash.
    EXPECT_EQ(catalog().sync_laptops()[0].token_sha256, sb::sha256_hex(token));
    EXPECT_EQ(catalog().sync_laptops()[0].host_name, "maria-laptop");
    // Never in the audit log.
    for (const auto& e : catalog().audit_log(100)) EXPECT_EQ(e.detail.find(token), std::string::npos);
}

TEST_F(SyncApi, PairingRefusesAWrongUsedOrExpiredCode) {
    httplib::Client c = client();
    std::string code = new_code();
    auto r = post(c, "/sync/v1/pair", {{"code", code == "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA"}, {"host_name", "x"}});
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(error_of(r), kWrongCode);
    // The right code still works after one wrong try, once.
    r = post(c, "/sync/v1/pair", {{"code", code}, {"host_name", "first"}});
    EXPECT_EQ(r->status, 200);
    r = post(c, "/sync/v1/pair", {{"code", code}, {"host_name", "second"}});
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(error_of(r), kWrongCode);
    // Expired: eleven minutes later.
    code = new_code();
    clock_->advance(std::chrono::minutes(11));
    r = post(c, "/sync/v1/pair", {{"code", code}, {"host_name", "late"}});
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(error_of(r), kWrongCode);
    EXPECT_EQ(catalog().sync_laptops().size(), 1u);
}

TEST_F(SyncApi, PairingRejectsAMalformedRequest) {
    httplib::Client c = client();
    const std::string code = new_code();
    const std::vector<std::string> bodies = {
        "",
        "not json",
        "[]",
        json{{"host_name", "x"}}.dump(),
        json{{"code", code}}.dump(),
        json{{"code", 12345678}, {"host_name", "x"}}.dump(),
        json{{"code", code}, {"host_name", ""}}.dump(),
        json{{"code", code}, {"host_name", "tab\there"}}.dump(),
        json{{"code", code}, {"host_name", std::string(256, 'h')}}.dump(),
        json{{"code", code}, {"host_name", 7}}.dump(),
    };
    for (const auto& b : bodies) {
        auto r = c.Post("/sync/v1/pair", b, "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << b;
        EXPECT_FALSE(error_of(r).empty()) << b;
    }
    // None of that used the code up.
    auto r = post(c, "/sync/v1/pair", {{"code", code}, {"host_name", std::string(255, 'h')}});
    EXPECT_EQ(r->status, 200) << r->body;
}

// ---- the guard ----

TEST_F(SyncApi, EverySyncRouteRefusesWithoutAWorkingToken) {
    const auto [revoked, revoked_id] = pair("old-laptop");
    const auto [good, good_id] = pair("new-laptop");
    {
        httplib::Client a = admin();
        auto r = a.Delete("/api/v1/admin/pairing/" + std::to_string(revoked_id));
        ASSERT_EQ(r->status, 200);
    }
    struct Try {
        std::vector<std::pair<std::string, std::string>> headers;
        const char* message;
    };
    const std::vector<Try> tries = {
        {{}, kNotPaired},
        {{{"Authorization", "Basic bWFyaWE6c2VjcmV0"}}, kNotPaired},
        {{{"Authorization", "Bearer"}}, kNotPaired},
        {{{"Authorization", "Bearer "}}, kNotPaired},
        {{{"Authorization", "Bearer " + std::string(43, 'A')}}, kRevoked},
        {{{"Authorization", "Bearer " + good + "x"}}, kRevoked},
        {{{"Authorization", "Bearer " + revoked}}, kRevoked},
    };
    int checked = 0;
    for (const auto& route : booth_->router().routes()) {
        if (route.access != sb::web::Access::sync) continue;
        const std::string path = std::regex_replace(route.pattern, std::regex(R"(\(\.\*\))"), ids_[0] + "/story.opus");
        for (const Try& t : tries) {
            httplib::Client c = client();
            httplib::Headers h(t.headers.begin(), t.headers.end());
            auto r = route.method == "GET" ? c.Get(path, h) : c.Post(path, h, json{{"seq", 0}}.dump(), "application/json");
            ASSERT_TRUE(r) << path;
            EXPECT_EQ(r->status, 401) << route.method << " " << path;
            EXPECT_EQ(error_of(r), t.message) << route.method << " " << path;
        }
        // And the good token gets through.
        httplib::Client l = laptop(good);
        auto r = route.method == "GET" ? l.Get(path) : post(l, path, {{"seq", 0}});
        EXPECT_EQ(r->status, 200) << route.method << " " << path << " " << r->body;
        ++checked;
    }
    EXPECT_EQ(checked, 4);  // booth, changes, files, ack
}

// ---- changes ----

TEST_F(SyncApi, ChangesPageThroughEveryStory) {
    sb::Catalog cat = catalog();
    for (int i = 0; i < 3; ++i) cat.add_marker(ids_[0], sb::Marker{1000 * i, "q"});  // more rows than stories
    const std::int64_t latest = cat.latest_seq();
    httplib::Client l = laptop(pair().first);

    for (int limit : {1, 2, 200}) {
        std::vector<std::string> seen;
        std::int64_t prev_next = 0;
        const auto pages = all_pages(l, 0, limit);
        for (const json& p : pages) {
            EXPECT_LE(p["changes"].size(), static_cast<std::size_t>(limit));
            EXPECT_GE(p["next"].get<std::int64_t>(), prev_next);
            prev_next = p["next"].get<std::int64_t>();
            for (const json& e : p["changes"]) {
                EXPECT_EQ(e["kind"], "upsert");
                EXPECT_LE(e["seq"].get<std::int64_t>(), prev_next);
                seen.push_back(e["story"]["id"].get<std::string>());
            }
        }
        EXPECT_EQ(pages.back()["next"], latest) << limit;
        EXPECT_FALSE(pages.back()["more"].get<bool>());
        std::sort(seen.begin(), seen.end());
        seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
        auto want = ids_;
        std::sort(want.begin(), want.end());
        EXPECT_EQ(seen, want) << limit;
        if (limit == 1) {
            EXPECT_EQ(pages.size(), static_cast<std::size_t>(latest));
        }
    }
    // A story as the laptop gets it: files by name, with size and SHA-256 of the bytes on disk.
    auto r = l.Get("/sync/v1/changes");
    const json page = body_of(r);
    EXPECT_EQ(page["booth"]["id"], body_of(l.Get("/sync/v1/booth"))["booth"]["id"]);
    const json story = page["changes"][0]["story"];
    EXPECT_EQ(story["state"], "complete");
    ASSERT_EQ(story["files"].size(), 2u);
    for (const json& f : story["files"]) {
        const fs::path p = data_ / "stories" / story["id"].get<std::string>() / f["name"].get<std::string>();
        EXPECT_EQ(f["size"].get<std::uint64_t>(), fs::file_size(p));
        EXPECT_EQ(f["sha256"], sb::sha256_file(p));
    }
    // Nothing new: an empty page.
    r = l.Get("/sync/v1/changes?since=" + std::to_string(latest));
    EXPECT_EQ(body_of(r)["changes"].size(), 0u);
    EXPECT_EQ(body_of(r)["next"], latest);
    EXPECT_EQ(body_of(r)["more"], false);
    // Malformed values.
    for (const char* q : {"since=-1", "since=abc", "since=1.5", "limit=0", "limit=1001", "limit=x", "since="}) {
        r = l.Get(std::string("/sync/v1/changes?") + q);
        EXPECT_EQ(r->status, 400) << q;
        EXPECT_FALSE(error_of(r).empty());
    }
}

TEST_F(SyncApi, AStoryChangedSeveralTimesAppearsOnceAtItsLastChange) {
    httplib::Client a = admin();
    ASSERT_EQ(a.Patch("/api/v1/admin/stories/" + ids_[1], json{{"title", "The flood"}}.dump(), "application/json")->status, 200);
    ASSERT_EQ(a.Patch("/api/v1/admin/stories/" + ids_[1], json{{"title", "The great flood"}}.dump(), "application/json")->status,
              200);
    const std::int64_t latest = catalog().latest_seq();
    httplib::Client l = laptop(pair().first);
    const json page = body_of(l.Get("/sync/v1/changes?since=0&limit=1000"));
    std::map<std::string, json> by_id;
    for (const json& e : page["changes"]) {
        const std::string id = e["story"]["id"];
        EXPECT_FALSE(by_id.count(id)) << "twice: " << id;
        by_id[id] = e;
    }
    ASSERT_EQ(by_id.size(), 3u);
    EXPECT_EQ(by_id[ids_[1]]["seq"], latest);
    EXPECT_EQ(by_id[ids_[1]]["story"]["title"], "The great flood");
}

TEST_F(SyncApi, ARecordingStoryIsNotOfferedAndItsFilesAre404) {
    sb::Catalog cat = catalog();
    const sb::Story rec = cat.create_story(sb::NewStory{});
    fs::create_directories(data_ / "stories" / rec.id);
    sb::write_file_atomic(data_ / "stories" / rec.id / "story.opus", "being written");
    httplib::Client l = laptop(pair().first);
    const json page = body_of(l.Get("/sync/v1/changes?limit=1000"));
    for (const json& e : page["changes"]) EXPECT_NE(e.value("story", json::object()).value("id", ""), rec.id);
    EXPECT_EQ(page["next"], cat.latest_seq());
    for (const char* name : {"story.opus", "master.flac"}) {
        auto r = l.Get("/sync/v1/files/" + rec.id + "/" + name);
        EXPECT_EQ(r->status, 404);
        EXPECT_EQ(error_of(r), "No such file.");
    }
}

TEST_F(SyncApi, WithdrawnAndDeletedStoriesBecomeTombstonesAndTheirFilesGo) {
    httplib::Client l = laptop(pair().first);
    const std::int64_t before = body_of(l.Get("/sync/v1/booth"))["latest_seq"];
    httplib::Client a = admin();
    ASSERT_EQ(post(a, "/api/v1/admin/stories/" + ids_[0] + "/withdraw")->status, 200);
    ASSERT_EQ(a.Delete("/api/v1/admin/stories/" + ids_[1])->status, 200);
    const json page = body_of(l.Get("/sync/v1/changes?since=" + std::to_string(before)));
    ASSERT_EQ(page["changes"].size(), 2u);
    for (const json& e : page["changes"]) {
        EXPECT_EQ(e["kind"], "tombstone");
        EXPECT_FALSE(e["at"].get<std::string>().empty());
        EXPECT_FALSE(e.contains("story"));
    }
    EXPECT_EQ(page["changes"][0]["story_id"], ids_[0]);
    EXPECT_EQ(page["changes"][1]["story_id"], ids_[1]);
    // From the start: only the third story is offered.
    std::vector<std::string> upserts;
    const json all = body_of(l.Get("/sync/v1/changes?limit=1000"));
    for (const json& e : all["changes"])
        if (e["kind"] == "upsert") upserts.push_back(e["story"]["id"]);
    EXPECT_EQ(upserts, std::vector<std::string>{ids_[2]});
    for (int i : {0, 1}) EXPECT_EQ(l.Get("/sync/v1/files/" + ids_[i] + "/story.opus")->status, 404);
    // The withdrawn story's audio is still on the booth; it is just not offered.
    EXPECT_TRUE(fs::exists(data_ / "stories" / ids_[0] / "story.opus"));
}

// ---- files ----

TEST_F(SyncApi, FilesDownloadWholeAndInRanges) {
    httplib::Client l = laptop(pair().first);
    const fs::path flac = data_ / "stories" / ids_[0] / "master.flac";
    const std::string bytes = sb::read_file(flac);
    const std::string sha = sb::sha256_hex(bytes);
    const std::string path = "/sync/v1/files/" + ids_[0] + "/master.flac";

    auto r = l.Get(path);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(sb::sha256_hex(r->body), sha);
    EXPECT_EQ(r->body.size(), bytes.size());
    EXPECT_EQ(r->get_header_value("ETag"), "\"" + sha + "\"");
    EXPECT_EQ(r->get_header_value("Accept-Ranges"), "bytes");
    EXPECT_EQ(r->get_header_value("Content-Type"), "audio/flac");
    EXPECT_EQ(r->get_header_value("Content-Length"), std::to_string(bytes.size()));
    EXPECT_FALSE(r->has_header("Content-Range"));
    auto o = l.Get("/sync/v1/files/" + ids_[0] + "/story.opus");
    ASSERT_EQ(o->status, 200);
    EXPECT_EQ(o->get_header_value("Content-Type"), "audio/ogg");
    EXPECT_EQ(o->body, sb::read_file(data_ / "stories" / ids_[0] / "story.opus"));

    const std::string size = std::to_string(bytes.size());
    r = l.Get(path, {{"Range", "bytes=100-4195"}});
    ASSERT_EQ(r->status, 206);
    EXPECT_EQ(r->body, bytes.substr(100, 4096));
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes 100-4195/" + size);
    EXPECT_EQ(r->get_header_value("Content-Length"), "4096");

    // Resuming: the rest of the file from an offset, only if it is still the same file.
    r = l.Get(path, {{"Range", "bytes=5000-"}, {"If-Range", "\"" + sha + "\""}});
    ASSERT_EQ(r->status, 206);
    EXPECT_EQ(r->body, bytes.substr(5000));
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes 5000-" + std::to_string(bytes.size() - 1) + "/" + size);
    r = l.Get(path, {{"Range", "bytes=5000-"}, {"If-Range", "\"" + std::string(64, '0') + "\""}});
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->body, bytes);
    EXPECT_FALSE(r->has_header("Content-Range"));

    r = l.Get(path, {{"Range", "bytes=-10"}});
    ASSERT_EQ(r->status, 206);
    EXPECT_EQ(r->body, bytes.substr(bytes.size() - 10));

    r = l.Get(path, {{"Range", "bytes=" + size + "-"}});
    EXPECT_EQ(r->status, 416);
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes */" + size);
    EXPECT_FALSE(error_of(r).empty());
    r = l.Get(path, {{"Range", "bytes=999999999-999999999"}});
    EXPECT_EQ(r->status, 416);
}

// The librarian's player seeks with Range on the same file-serving as the sync files: a range
// past the end is refused with 416, not answered with the wrong bytes.
TEST_F(SyncApi, TheLibrariansStoryAudioAnswersRangesAndRefusesOnePastTheEnd) {
    httplib::Client a = admin();
    const std::string bytes = sb::read_file(data_ / "stories" / ids_[0] / "story.opus");
    const std::string size = std::to_string(bytes.size());
    const std::string path = "/api/v1/admin/stories/" + ids_[0] + "/audio";

    auto r = a.Get(path);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->body, bytes);
    EXPECT_EQ(r->get_header_value("Accept-Ranges"), "bytes");
    EXPECT_EQ(r->get_header_value("Content-Type"), "audio/ogg");

    r = a.Get(path, {{"Range", "bytes=100-199"}});
    ASSERT_EQ(r->status, 206);
    EXPECT_EQ(r->body, bytes.substr(100, 100));
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes 100-199/" + size);

    r = a.Get(path, {{"Range", "bytes=" + size + "-"}});
    EXPECT_EQ(r->status, 416);
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes */" + size);
    EXPECT_FALSE(error_of(r).empty());
    r = a.Get(path, {{"Range", "bytes=999999999-999999999"}});
    EXPECT_EQ(r->status, 416);
}

TEST_F(SyncApi, PathsOutsideAStoryAre404) {
    httplib::Client l = laptop(pair().first);
    const std::string id = ids_[0];
    std::string upper = id;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const std::vector<std::string> paths = {
        "/sync/v1/files/" + id + "/../../catalog.db",
        "/sync/v1/files/" + id + "/../" + ids_[1] + "/story.opus",
        "/sync/v1/files/" + id + "/%2e%2e/%2e%2e/catalog.db",
        "/sync/v1/files/" + id + "%2F..%2F..%2Fcatalog.db",
        "/sync/v1/files/" + id + "/..%2F..%2Fcatalog.db",
        "/sync/v1/files/%2e%2e/catalog.db",
        "/sync/v1/files//etc/passwd",
        "/sync/v1/files/%2Fetc%2Fpasswd",
        "/sync/v1/files/" + id + "/%2Fetc%2Fpasswd",
        "/sync/v1/files/" + id + "/catalog.db",
        "/sync/v1/files/" + id + "/story.opus.part",
        "/sync/v1/files/" + id + "/story.opus/",
        "/sync/v1/files/" + id + "/story.opus/x",
        "/sync/v1/files/" + id + "/",
        "/sync/v1/files/" + id,
        "/sync/v1/files/",
        "/sync/v1/files/" + upper + "/story.opus",
        "/sync/v1/files/" + sb::new_uuid() + "/story.opus",
        "/sync/v1/files/" + id + "/story%2eopus%00",
        "/sync/v1/files/catalog.db/story.opus",
    };
    for (const auto& p : paths) {
        auto r = l.Get(p);
        ASSERT_TRUE(r) << p;
        EXPECT_EQ(r->status, 404) << p;
        EXPECT_THAT(r->body, ::testing::Not(HasSubstr("SQLite"))) << p;
    }
    // The real name works, so the refusals above are about the names.
    EXPECT_EQ(l.Get("/sync/v1/files/" + id + "/story%2Eopus")->status, 200);
}

// ---- ack ----

TEST_F(SyncApi, AckRecordsTheLaptopsLastSeqForTheDashboard) {
    const auto [token, id] = pair("maria-laptop");
    httplib::Client l = laptop(token);
    httplib::Client a = admin();
    json dash = body_of(a.Get("/api/v1/admin/dashboard"));
    ASSERT_EQ(dash["sync"].size(), 1u);
    EXPECT_EQ(dash["sync"][0]["last_seen_at"], "");
    EXPECT_EQ(dash["sync"][0]["last_seq"], 0);

    ASSERT_EQ(l.Get("/sync/v1/changes")->status, 200);
    dash = body_of(a.Get("/api/v1/admin/dashboard"));
    EXPECT_NE(dash["sync"][0]["last_seen_at"], "");  // seen, nothing acknowledged yet
    EXPECT_EQ(dash["sync"][0]["last_seq"], 0);

    const std::int64_t latest = catalog().latest_seq();
    auto r = post(l, "/sync/v1/ack", {{"seq", latest}});
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_of(r), (json{{"ok", true}}));
    dash = body_of(a.Get("/api/v1/admin/dashboard"));
    EXPECT_EQ(dash["sync"][0]["id"], id);
    EXPECT_EQ(dash["sync"][0]["host_name"], "maria-laptop");
    EXPECT_EQ(dash["sync"][0]["last_seq"], latest);

    for (const json& bad : {json{{"seq", latest + 1}}, json{{"seq", -1}}, json{{"seq", "5"}}, json::object(), json{{"seq", 1.5}}}) {
        r = post(l, "/sync/v1/ack", bad);
        EXPECT_EQ(r->status, 400) << bad.dump();
        EXPECT_FALSE(error_of(r).empty());
    }
    EXPECT_EQ(body_of(a.Get("/api/v1/admin/dashboard"))["sync"][0]["last_seq"], latest);
}

TEST_F(SyncApi, TheBoothIdSurvivesARestartAndANewName) {
    const std::string token = pair().first;
    const json before = body_of(laptop(token).Get("/sync/v1/booth"))["booth"];
    {
        httplib::Client a = admin();
        auto r = a.Put("/api/v1/admin/settings", json{{"booth-name", "East branch"}}.dump(), "application/json");
        ASSERT_EQ(r->status, 200) << r->body;
    }
    stop();
    start();
    // The pairing survives the restart too.
    auto r = laptop(token).Get("/sync/v1/booth");
    ASSERT_EQ(r->status, 200) << r->body;
    const json after = body_of(r)["booth"];
    EXPECT_EQ(after["id"], before["id"]);
    EXPECT_EQ(after["name"], "East branch");
}

// ---- USB export from the admin pages ----

TEST_F(SyncApi, AdminExportWritesTheLayoutAndKeepsItUpToDate) {
    const fs::path drive = t_ / "drive";
    fs::create_directories(drive);
    httplib::Client a = admin();
    auto r = post(a, "/api/v1/admin/export", {{"to", drive.string()}});
    ASSERT_EQ(r->status, 200) << r->body;
    json j = body_of(r);
    const std::string booth_id = body_of(laptop(pair().first).Get("/sync/v1/booth"))["booth"]["id"];
    const fs::path folder = drive / "storybooth-export" / booth_id;
    EXPECT_EQ(j["folder"], folder.string());
    EXPECT_EQ(j["stories"], 3);
    EXPECT_EQ(j["files_copied"], 6);
    std::uint64_t total = 0;
    for (const auto& id : ids_)
        for (const char* n : {"story.opus", "master.flac"}) {
            const fs::path src = data_ / "stories" / id / n;
            total += fs::file_size(src);
            EXPECT_EQ(sb::sha256_file(folder / "files" / id / n), sb::sha256_file(src));
        }
    EXPECT_EQ(j["bytes_copied"], total);
    const json booth_json = json::parse(sb::read_file(folder / "booth.json"));
    EXPECT_EQ(booth_json["format"], 1);
    EXPECT_EQ(booth_json["booth"]["id"], booth_id);
    EXPECT_EQ(booth_json["latest_seq"], catalog().latest_seq());
    // changes.json is the sync answer from 0 with every row.
    httplib::Client l = laptop(pair().first);
    const json live = body_of(l.Get("/sync/v1/changes?since=0&limit=1000"));
    EXPECT_EQ(json::parse(sb::read_file(folder / "changes.json")), live);

    r = post(a, "/api/v1/admin/export", {{"to", drive.string()}});
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(body_of(r)["files_copied"], 0);
    EXPECT_EQ(body_of(r)["bytes_copied"], 0);

    ASSERT_EQ(post(a, "/api/v1/admin/stories/" + ids_[2] + "/withdraw")->status, 200);
    r = post(a, "/api/v1/admin/export", {{"to", drive.string() + "/"}});
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(body_of(r)["stories"], 2);
    EXPECT_FALSE(fs::exists(folder / "files" / ids_[2]));
    const json changes = json::parse(sb::read_file(folder / "changes.json"));
    for (const json& e : changes["changes"])
        if (e["kind"] == "upsert") {
            EXPECT_NE(e["story"]["id"], ids_[2]);
        }
    bool audited = false;
    for (const auto& e : catalog().audit_log(20))
        if (e.action == "exported") audited = true;
    EXPECT_TRUE(audited);
}

TEST_F(SyncApi, AdminExportRefusesAFolderItCannotUse) {
    httplib::Client a = admin();
    sb::write_file_atomic(t_ / "a-file", "x");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {(t_ / "no-such-drive").string(), "There is no folder"},
        {(t_ / "a-file").string(), "is not a folder"},
        {"media/usb", "starting with '/'"},
        {"", "starting with '/'"},
        {data_.string(), "booth's own storage"},
        {(data_ / "stories").string(), "booth's own storage"},
    };
    for (const auto& [to, says] : cases) {
        auto r = post(a, "/api/v1/admin/export", {{"to", to}});
        EXPECT_EQ(r->status, 422) << to;
        EXPECT_THAT(error_of(r), HasSubstr(says)) << to;
    }
    EXPECT_FALSE(fs::exists(t_ / "no-such-drive"));
    EXPECT_EQ(post(a, "/api/v1/admin/export", {{"to", 5}})->status, 400);
    auto r = a.Get("/api/v1/admin/export/targets");
    ASSERT_EQ(r->status, 200);
    const json targets = body_of(r)["targets"];
    ASSERT_TRUE(targets.is_array());
    for (const json& t : targets) {
        EXPECT_TRUE(t["path"].is_string());
        EXPECT_TRUE(t["free_bytes"].is_number_unsigned());
    }
}

// ---- storybooth export ----

TEST(ExportCommand, ExportsUpdatesAndSaysWhatItDid) {
    TempDir t;
    const fs::path data = t / "data", drive = t / "drive";
    const std::string a = record_story(data, "One"), b = record_story(data, "Two");
    fs::create_directories(drive);
    const std::string cmd = q(storybooth()) + " export --data " + q(data.string()) + " --to " + q(drive.string());
    auto r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Exported 2 stories to " + (drive / "storybooth-export").string()));
    EXPECT_THAT(r.out, HasSubstr(": 4 file(s) copied"));
    const auto exports = std::vector<fs::path>(fs::directory_iterator(drive / "storybooth-export"), {});
    ASSERT_EQ(exports.size(), 1u);
    const fs::path folder = exports[0];
    for (const char* f : {"booth.json", "changes.json"}) EXPECT_TRUE(fs::exists(folder / f)) << f;
    EXPECT_EQ(sb::sha256_file(folder / "files" / a / "story.opus"), sb::sha256_file(data / "stories" / a / "story.opus"));

    r = run(cmd + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["files_copied"], 0);
    EXPECT_EQ(j["files_kept"], 4);
    EXPECT_EQ(j["folder"], folder.string());

    // Withdrawn between exports: gone from changes.json, and its files go.
    {
        sb::Catalog cat = sb::Catalog::open(data / "catalog.db");
        cat.withdraw(b);
    }
    r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Exported 1 story"));
    EXPECT_THAT(r.out, HasSubstr("2 removed"));
    EXPECT_FALSE(fs::exists(folder / "files" / b));
    const json changes = json::parse(sb::read_file(folder / "changes.json"));
    int tombstones = 0;
    for (const json& e : changes["changes"]) {
        if (e["kind"] == "tombstone") {
            EXPECT_EQ(e["story_id"], b);
            ++tombstones;
        } else {
            EXPECT_EQ(e["story"]["id"], a);
        }
    }
    EXPECT_EQ(tombstones, 1);
}

TEST(ExportCommand, RefusesAFolderItCannotUseWithOneLine) {
    TempDir t;
    const fs::path data = t / "data";
    record_story(data, "One", 1);
    sb::write_file_atomic(t / "a-file", "x");
    for (const fs::path& to : {t / "no-such-drive", t / "a-file"}) {
        auto r = run(q(storybooth()) + " export --data " + q(data.string()) + " --to " + q(to.string()));
        EXPECT_EQ(r.exit_code, 3) << to;
        EXPECT_THAT(r.err, ::testing::StartsWith("storybooth: "));
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.out, "");
    }
    // No booth data there.
    auto r = run(q(storybooth()) + " export --data " + q((t / "empty").string()) + " --to " + q(t.path().string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("no booth data"));
    EXPECT_FALSE(fs::exists(t / "empty"));
    // Bad command lines.
    r = run(q(storybooth()) + " export --data " + q(data.string()));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("--to"));
    r = run(q(storybooth()) + " export --help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("--to"));
    EXPECT_THAT(r.out, HasSubstr("Exit codes"));
}

TEST(ExportCommand, AFileSizeLimitFailsClearlyAndTheExportNoLongerClaimsToBeWhole) {
    TempDir t;
    const fs::path data = t / "data", drive = t / "drive";
    const std::string a = record_story(data, "One", 3);
    fs::create_directories(drive);
    const std::string cmd = q(storybooth()) + " export --data " + q(data.string()) + " --to " + q(drive.string());
    ASSERT_EQ(run(cmd).exit_code, 0);
    const fs::path folder = *fs::directory_iterator(drive / "storybooth-export");
    ASSERT_TRUE(fs::exists(folder / "changes.json"));
    ASSERT_GT(fs::file_size(data / "stories" / a / "master.flac"), 100u * 1024);
    fs::remove(folder / "files" / a / "master.flac");  // must be copied again

    auto r = run("bash -c " + q("ulimit -f 100 && exec " + cmd));
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("full"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(folder / "changes.json"));
    EXPECT_FALSE(fs::exists(folder / "files" / a / "master.flac"));
    EXPECT_FALSE(fs::exists(folder / "files" / a / "master.flac.part"));

    // With room again, the same command finishes it.
    r = run(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 file(s) copied"));
    EXPECT_TRUE(fs::exists(folder / "changes.json"));
}
