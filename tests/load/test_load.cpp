// Load: the real `storybooth run`, recording a story from its real-time simulated microphone,
// while 25 librarian clients and 25 paired laptops use it as fast as they can. The booth must
// answer every request correctly, lose no audio, and save a story of the right length.
//
// Figures (requests, latency percentiles per kind, throughput, audio overflows, the daemon's
// peak RSS) are printed so a run can be compared with earlier ones.
//
// Environment (for longer or heavier runs by hand):
//   SB_LOAD_SECONDS   how long the clients run (default 60)
//   SB_LOAD_STORIES   finished stories in the catalog before the run (default 1000; each is a durable commit, ~15 ms)
//   SB_LOAD_CLIENTS   clients of each kind (default 25)
//
// Built with a sanitizer the daemon runs many times slower (the change page, ~1 s at p99 in the
// ordinary build, takes 15-20 s under ASan with 50 clients), so there the defaults are 5 clients
// of each kind for 30 s: the same requests and checks, with the sanitizers watching, at a load the
// slower program can answer. The figures of record come from the ordinary build.
#include "e2e/daemon.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

using namespace sbtest;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    return std::max(1, std::atoi(v));
}

httplib::Result post(httplib::Client& c, const std::string& path, const json& body = json::object()) {
    return c.Post(path, body.dump(), "application/json");
}
httplib::Result put(httplib::Client& c, const std::string& path, const json& body) {
    return c.Put(path, body.dump(), "application/json");
}

std::string describe(const httplib::Result& r) {
    if (!r) return "no answer (" + httplib::to_string(r.error()) + ")";
    return "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
}

// The process whose command line holds `arg` (the run's own data folder, so it is unique).
int pid_with_arg(const std::string& arg) {
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        std::ifstream in(e.path() / "cmdline", std::ios::binary);
        const std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find(std::string("run") + '\0') != std::string::npos && cmd.find(arg + '\0') != std::string::npos)
            return std::stoi(name);
    }
    return -1;
}

// A /proc/PID/status figure in kB (VmHWM: peak resident set), or -1.
long proc_status_kb(int pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
    return -1;
}

// Latencies and failures of every request, by kind.
class Tally {
public:
    void ok(const std::string& kind, double ms) {
        std::lock_guard lock(m_);
        ms_[kind].push_back(ms);
    }
    void fail(const std::string& kind, const std::string& what) {
        std::lock_guard lock(m_);
        ++failures_;
        if (examples_.size() < 10) examples_.push_back(kind + ": " + what);
    }
    std::size_t failures() const { return failures_; }
    std::string examples() const {
        std::string out;
        for (const auto& e : examples_) out += "  " + e + "\n";
        return out;
    }
    std::size_t requests() const {
        std::size_t n = failures_;
        for (const auto& [k, v] : ms_) n += v.size();
        return n;
    }
    // One line per kind, then all together.
    std::string report() {
        std::string out;
        char line[256];
        std::snprintf(line, sizeof line, "  %-14s %8s %8s %8s %8s %8s\n", "kind", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms");
        out += line;
        std::vector<double> all;
        auto row = [&](const std::string& kind, std::vector<double> v) {
            std::sort(v.begin(), v.end());
            auto pct = [&](double p) { return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))]; };
            std::snprintf(line, sizeof line, "  %-14s %8zu %8.1f %8.1f %8.1f %8.1f\n", kind.c_str(), v.size(), pct(0.50), pct(0.95),
                          pct(0.99), v.empty() ? 0.0 : v.back());
            out += line;
        };
        for (const auto& [kind, v] : ms_) {
            row(kind, v);
            all.insert(all.end(), v.begin(), v.end());
        }
        row("all", all);
        return out;
    }
    double p99_all() {
        std::vector<double> all;
        for (const auto& [k, v] : ms_) all.insert(all.end(), v.begin(), v.end());
        if (all.empty()) return 0;
        std::sort(all.begin(), all.end());
        return all[std::min(all.size() - 1, static_cast<std::size_t>(0.99 * all.size()))];
    }

private:
    std::mutex m_;
    std::map<std::string, std::vector<double>> ms_;
    std::atomic<std::size_t> failures_{0};
    std::vector<std::string> examples_;
};

// Runs one request, timing it and checking its status (and, when given, its body).
template <class F, class Check>
void timed(Tally& tally, const std::string& kind, int want_status, F&& request, Check&& check) {
    const auto t0 = Clock::now();
    httplib::Result r = request();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!r || r->status != want_status) return tally.fail(kind, describe(r));
    const std::string bad = check(*r);
    if (!bad.empty()) return tally.fail(kind, bad);
    tally.ok(kind, ms);
}

std::string json_object_body(const httplib::Response& r) {
    try {
        if (json::parse(r.body).is_object()) return "";
    } catch (const json::exception&) {
    }
    return "the answer is not a JSON object";
}

struct Target {
    int port = 0;
    std::string admin_cookie, csrf, sync_token;
    std::vector<std::string> story_ids;                                  // finished stories, for the story page
    std::vector<std::pair<std::string, std::uint64_t>> files;           // "id/name" and size, for downloads
    std::int64_t latest_seq = 0;
};

httplib::Client client_for(int port) {
    httplib::Client c("127.0.0.1", port);
    // Generous: a busy two-core machine may be slow, but an answer that takes longer than this
    // is a failure, as it would be for a librarian waiting at the page.
    c.set_connection_timeout(10, 0);
    c.set_read_timeout(20, 0);
    c.set_keep_alive(true);
    return c;
}

// A librarian's browser: dashboard, a page of the story list, a search, one story, settings.
void admin_client(const Target& t, Tally& tally, Clock::time_point until, unsigned seed) {
    httplib::Client c = client_for(t.port);
    c.set_default_headers({{"Cookie", t.admin_cookie}, {"X-CSRF-Token", t.csrf}});
    std::mt19937 rng(seed);
    // What librarians type (already URL-encoded): word prefixes, names, two words at once.
    const char* words[] = {"grand", "river", "rosa", "war", "school", "wedding%201", "harvest%20leo", "migr"};
    while (Clock::now() < until) {
        timed(tally, "dashboard", 200, [&] { return c.Get("/api/v1/admin/dashboard"); }, json_object_body);
        const int offset = static_cast<int>(rng() % 40) * 50;
        timed(tally, "list page", 200, [&] { return c.Get("/api/v1/admin/stories?offset=" + std::to_string(offset)); },
              json_object_body);
        const std::string q = words[rng() % 8];
        timed(tally, "search", 200, [&] { return c.Get("/api/v1/admin/stories?q=" + q + "&state=complete"); },
              [](const httplib::Response& r) {
                  const json j = json::parse(r.body);
                  return j["stories"].empty() ? std::string("the search found nothing") : std::string();
              });
        const std::string& id = t.story_ids[rng() % t.story_ids.size()];
        timed(tally, "story", 200, [&] { return c.Get("/api/v1/admin/stories/" + id); },
              [&](const httplib::Response& r) {
                  return json::parse(r.body).value("id", "") == id ? std::string() : "another story came back";
              });
        timed(tally, "settings", 200, [&] { return c.Get("/api/v1/admin/settings"); }, json_object_body);
    }
}

// A paired laptop: pages of the change feed (stories as JSON), the booth, and story files,
// resumed with Range as storysync does after an interruption.
void sync_client(const Target& t, Tally& tally, Clock::time_point until, unsigned seed) {
    httplib::Client c = client_for(t.port);
    c.set_default_headers({{"Authorization", "Bearer " + t.sync_token}});
    std::mt19937 rng(seed);
    while (Clock::now() < until) {
        const std::int64_t since = static_cast<std::int64_t>(rng() % static_cast<unsigned>(t.latest_seq + 1));
        timed(tally, "changes", 200, [&] { return c.Get("/sync/v1/changes?since=" + std::to_string(since) + "&limit=200"); },
              [](const httplib::Response& r) {
                  const json j = json::parse(r.body);
                  return j.contains("changes") && j.contains("next") ? std::string() : std::string("not a page of changes");
              });
        timed(tally, "booth", 200, [&] { return c.Get("/sync/v1/booth"); }, json_object_body);
        // Plain names, not a structured binding: clang 14 cannot capture one in a lambda.
        const auto& picked = t.files[rng() % t.files.size()];
        const std::string& file = picked.first;
        const std::uint64_t size = picked.second;
        const std::uint64_t from = rng() % size;
        const std::uint64_t len = std::min<std::uint64_t>(size - from, 64 * 1024);
        timed(tally, "file range", 206,
              [&] { return c.Get("/sync/v1/files/" + file, {{"Range", "bytes=" + std::to_string(from) + "-" + std::to_string(from + len - 1)}}); },
              [&](const httplib::Response& r) {
                  return r.body.size() == len ? std::string() : "a range of " + std::to_string(len) + " bytes came back with " +
                                                                    std::to_string(r.body.size());
              });
        timed(tally, "file whole", 200, [&] { return c.Get("/sync/v1/files/" + file); },
              [&](const httplib::Response& r) {
                  return r.body.size() == size ? std::string() : "the file came back with " + std::to_string(r.body.size()) + " bytes";
              });
    }
}

}  // namespace

TEST(Load, FiftyAdminAndSyncClientsWhileRecordingLoseNothing) {
    const int seconds = env_int("SB_LOAD_SECONDS", kSanitized ? 30 : 60);
    const int stories = env_int("SB_LOAD_STORIES", 1000);
    const int clients = env_int("SB_LOAD_CLIENTS", kSanitized ? 5 : 25);
    if (kSanitized) std::printf("a sanitized build: %d clients of each kind for %d s\n", clients, seconds);
    TempDir t;
    const fs::path data = t / "data";

    // A catalog like a busy booth's: a few real recordings (whose files laptops download) and
    // many finished stories, filled the way the daemon benchmark fills it.
    const auto fill0 = Clock::now();
    for (const char* title : {"Grandma's kitchen", "The flood of 1974", "Leo's first bike"}) {
        auto r = run(q(storybooth()) + " record --data " + q(data.string()) + " --input " + q(conversation_wav().string()) +
                     " --seconds 8 --title " + q(title) + " --json");
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    {
        auto r = run(q(SB_FILL_CATALOG_BIN) + " " + q(data.string()) + " " + std::to_string(stories));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        r = run("echo 2468 | " + q(storybooth()) + " admin set-pin --data " + q(data.string()));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    std::printf("catalog: %d stories filled in %.1f s\n", stories + 3,
                std::chrono::duration<double>(Clock::now() - fill0).count());

    Daemon d(data);
    const int pid = pid_with_arg(data.string());
    ASSERT_GT(pid, 0) << "the daemon's process was not found";
    Target target;
    target.port = d.port();
    auto c = d.client();

    // The librarian logs in; a laptop is paired with a code the librarian made.
    {
        auto r = post(c, "/api/v1/admin/login", {{"pin", "2468"}});
        ASSERT_TRUE(r && r->status == 200) << describe(r);
        const std::string cookie = r->get_header_value("Set-Cookie");
        target.admin_cookie = cookie.substr(0, cookie.find(';'));
        target.csrf = json::parse(r->body)["csrf"];
        httplib::Client a = d.client();
        a.set_default_headers({{"Cookie", target.admin_cookie}, {"X-CSRF-Token", target.csrf}});
        r = post(a, "/api/v1/admin/pairing");
        ASSERT_TRUE(r && r->status == 200) << describe(r);
        r = post(c, "/sync/v1/pair", {{"code", json::parse(r->body)["code"]}, {"host_name", "load-laptop"}});
        ASSERT_TRUE(r && r->status == 200) << describe(r);
        target.sync_token = json::parse(r->body)["token"];

        r = a.Get("/api/v1/admin/stories?limit=200");
        ASSERT_TRUE(r && r->status == 200) << describe(r);
        const json list = json::parse(r->body);
        for (const auto& s : list["stories"]) target.story_ids.push_back(s["id"]);
        ASSERT_FALSE(target.story_ids.empty());

        httplib::Client l = d.client();
        l.set_default_headers({{"Authorization", "Bearer " + target.sync_token}});
        r = l.Get("/sync/v1/booth");
        ASSERT_TRUE(r && r->status == 200) << describe(r);
        target.latest_seq = json::parse(r->body)["latest_seq"];
        // The recordings are the first three stories, so the first page of changes has their files.
        r = l.Get("/sync/v1/changes?since=0&limit=10");
        ASSERT_TRUE(r && r->status == 200) << describe(r);
        const json page = json::parse(r->body);
        for (const auto& e : page["changes"])
            if (e.contains("story"))
                for (const auto& f : e["story"]["files"])
                    target.files.emplace_back(e["story"]["id"].get<std::string>() + "/" + f["name"].get<std::string>(),
                                              f["size"].get<std::uint64_t>());
        ASSERT_FALSE(target.files.empty()) << r->body;
    }

    // A story is recording on the touchscreen.
    ASSERT_EQ(post(c, "/api/v1/session", {{"language", "en"}})->status, 200);
    ASSERT_EQ(put(c, "/api/v1/session/participants",
                  json::array({{{"name", "Rosa Díaz"}, {"role", "storyteller"}, {"age_range", "70+"}, {"channel", 1}},
                               {{"name", "Leo"}, {"role", "interviewer"}, {"age_range", "18-29"}, {"channel", 2}}}))->status,
              200);
    ASSERT_EQ(put(c, "/api/v1/session/consent",
                  json::array({{{"participant", 0}, {"choice", "share"}, {"typed_name", "Rosa Díaz"}},
                               {{"participant", 1}, {"choice", "share"}, {"typed_name", "Leo"}}}))->status,
              200);
    ASSERT_EQ(put(c, "/api/v1/session/questions", json::array({{{"text", "Where did you grow up?"}}}))->status, 200);
    ASSERT_EQ(post(c, "/api/v1/session/mic-check")->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // a full pre-roll
    auto rec = post(c, "/api/v1/session/record");
    ASSERT_TRUE(rec && rec->status == 200) << describe(rec);
    const auto recording_from = Clock::now();

    // The load.
    Tally tally;
    const auto load0 = Clock::now();
    const auto until = load0 + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back(admin_client, std::cref(target), std::ref(tally), until, 1000u + static_cast<unsigned>(i));
        threads.emplace_back(sync_client, std::cref(target), std::ref(tally), until, 2000u + static_cast<unsigned>(i));
    }
    for (auto& th : threads) th.join();
    const double load_s = std::chrono::duration<double>(Clock::now() - load0).count();

    // The story ends and is saved.
    auto r = post(c, "/api/v1/session/stop");
    const auto recording_to = Clock::now();
    ASSERT_TRUE(r && r->status == 200) << describe(r);
    r = post(c, "/api/v1/session/save");
    ASSERT_TRUE(r && r->status == 200) << describe(r);
    const std::string id = json::parse(r->body)["story"]["id"];
    const long rss_kb = proc_status_kb(pid, "VmHWM");

    // What the booth said about the recording's audio when it stopped: "story CODE held for
    // review: N ms, overflows K" (overflow events: the device's, and pushes the ring refused).
    std::smatch m;
    std::string log;
    for (int i = 0; i < 100; ++i) {
        log = d.log();
        if (std::regex_search(log, m, std::regex(R"((?:held for review|saved): (\d+) ms, overflows (\d+))"))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(m.empty()) << "the daemon did not report the saved story:\n" << log;
    const long overflows = std::stol(m[2]);

    const std::size_t requests = tally.requests();
    std::printf("\nload: %d admin + %d sync clients for %.1f s, %d stories in the catalog\n", clients, clients, load_s,
                stories + 3);
    std::printf("requests: %zu (%.1f/s), failed: %zu\n%s", requests, static_cast<double>(requests) / load_s,
                tally.failures(), tally.report().c_str());
    std::printf("p99 of all requests: %.1f ms\n", tally.p99_all());
    std::printf("audio overflows: %ld\npeak RSS of the daemon: %.1f MB\n", overflows, static_cast<double>(rss_kb) / 1024.0);

    EXPECT_EQ(tally.failures(), 0u) << "failed requests, for example:\n" << tally.examples();
    EXPECT_GT(requests, static_cast<std::size_t>(clients) * 2) << "the clients hardly got an answer";
    EXPECT_EQ(overflows, 0) << "audio was lost while the booth was busy";

    // The story is there, as long as it was recorded, and plays for that long.
    httplib::Client a = d.client();
    a.set_default_headers({{"Cookie", target.admin_cookie}, {"X-CSRF-Token", target.csrf}});
    r = a.Get("/api/v1/admin/stories/" + id);
    ASSERT_TRUE(r && r->status == 200) << describe(r);
    const json story = json::parse(r->body);
    EXPECT_EQ(story["state"], "complete");
    const double wall_ms = std::chrono::duration<double, std::milli>(recording_to - recording_from).count();
    const auto duration_ms = story["duration_ms"].get<std::int64_t>();
    // The recording holds the pre-roll (up to ~2 s) before "Record" was pressed; requests to
    // start and stop take a moment each.
    EXPECT_GT(duration_ms, wall_ms - 1500) << "audio is missing from the story";
    EXPECT_LT(duration_ms, wall_ms + 4000) << "the story is longer than the recording";
    const fs::path opus = data / "stories" / id / "story.opus";
    const std::int64_t samples = opus_samples(opus);
    ASSERT_GT(samples, 0) << opus << " does not play";
    EXPECT_NEAR(static_cast<double>(samples) / 48.0, static_cast<double>(duration_ms), 200.0);
    std::printf("story: %lld ms recorded over %.0f ms of wall time; plays %.0f ms\n", static_cast<long long>(duration_ms),
                wall_ms, static_cast<double>(samples) / 48.0);
}
