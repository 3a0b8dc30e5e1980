#pragma once
// Fixtures for the storysync tests: booths made with the real `storybooth record` and run with
// the real `storybooth run`, and the real storysync program run against them with its own
// library and config folders.
#include "catalog/catalog.hpp"
#include "e2e/daemon.hpp"

#include <gtest/gtest.h>
#include <map>
#include <set>

namespace sbtest {

inline std::string storysync_bin() { return SB_STORYSYNC_BIN; }

// A spoken conversation long enough for files of a few MB (the master is ~60 kB per second).
inline const fs::path& long_conversation() {
    static TempDir dir;
    static fs::path file = [] {
        auto f = dir / "conversation.wav";
        auto r = run(q(conversation_script()) + " " + q(f.string()) + " 45");
        if (r.exit_code != 0) throw std::runtime_error("make-conversation failed: " + r.err);
        return f;
    }();
    return file;
}

// Four of those in a row (~3 minutes; a master of ~11 MB).
inline const fs::path& very_long_conversation() {
    static TempDir dir;
    static fs::path file = [] {
        auto f = dir / "long.wav";
        const std::string one = q(long_conversation().string());
        auto r = run("sox " + one + " " + one + " " + one + " " + one + " " + q(f.string()));
        if (r.exit_code != 0) throw std::runtime_error("sox failed: " + r.err);
        return f;
    }();
    return file;
}

// Records one finished story into DATA with the real recorder; returns its id.
inline std::string record_story(const fs::path& data, const std::string& title,
                                const fs::path& input = long_conversation()) {
    auto r = run(q(storybooth()) + " record --data " + q(data.string()) + " --input " + q(input.string()) +
                 " --title " + q(title) + " --json 2>/dev/null");
    if (r.exit_code != 0) throw std::runtime_error("storybooth record failed: " + r.err);
    return nlohmann::json::parse(r.out)["id"].get<std::string>();
}

// The librarian's admin API: PIN set before the daemon starts, then logged in.
class Admin {
public:
    explicit Admin(int port) : c_("127.0.0.1", port) {
        c_.set_read_timeout(10, 0);
        auto r = c_.Post("/api/v1/admin/login", R"({"pin":"2468"})", "application/json");
        if (!r || r->status != 200) throw std::runtime_error("admin login failed");
        const std::string cookie = r->get_header_value("Set-Cookie");
        c_.set_default_headers({{"Cookie", cookie.substr(0, cookie.find(';'))},
                                {"X-CSRF-Token", nlohmann::json::parse(r->body)["csrf"].get<std::string>()}});
    }
    std::string pairing_code() {
        auto r = c_.Post("/api/v1/admin/pairing", "{}", "application/json");
        if (!r || r->status != 200) throw std::runtime_error("no pairing code");
        return nlohmann::json::parse(r->body)["code"].get<std::string>();
    }
    nlohmann::json laptops() { return body_json(c_.Get("/api/v1/admin/pairing")); }
    int revoke(std::int64_t id) {
        auto r = c_.Delete("/api/v1/admin/pairing/" + std::to_string(id));
        return r ? r->status : 0;
    }
    int withdraw(const std::string& story_id) {
        auto r = c_.Post("/api/v1/admin/stories/" + story_id + "/withdraw", "{}", "application/json");
        return r ? r->status : 0;
    }

private:
    httplib::Client c_;
};

inline void set_pin(const fs::path& data) {
    auto r = run("echo 2468 | " + q(storybooth()) + " admin set-pin --data " + q(data.string()));
    if (r.exit_code != 0) throw std::runtime_error("set-pin failed: " + r.err);
}

// A booth: a data folder with `stories` recorded stories, then the daemon running over it.
struct Booth {
    fs::path data;
    std::vector<std::string> ids;
    std::unique_ptr<Daemon> daemon;

    Booth(const fs::path& folder, int stories) : data(folder) {
        for (int i = 0; i < stories; ++i) ids.push_back(record_story(data, "Story " + std::to_string(i + 1)));
        set_pin(data);
        start();
    }
    void start() { daemon = std::make_unique<Daemon>(data); }
    void stop() { daemon.reset(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(daemon->port()); }
    std::string code() { return Admin(daemon->port()).pairing_code(); }
    // Every file the booth offers: story id -> {name -> sha256}.
    std::map<std::string, std::map<std::string, std::string>> offered() const {
        std::map<std::string, std::map<std::string, std::string>> out;
        auto cat = sb::Catalog::open(data / "catalog.db");
        for (const auto& s : cat.list())
            if (s.state == "complete" || s.state == "recovered")
                for (const auto& f : s.files) out[s.id][fs::path(f.path).filename().string()] = f.sha256;
        return out;
    }
};

// One laptop: its own library and config folders; storysync run as a real process.
struct Laptop {
    TempDir home;
    fs::path library() const { return home / "data" / "storysync"; }
    fs::path config_dir() const { return home / "config" / "storysync"; }
    std::string env() const {
        return "XDG_DATA_HOME=" + q((home / "data").string()) + " XDG_CONFIG_HOME=" + q((home / "config").string()) + " ";
    }
    RunResult sync(const std::string& args, const std::string& prefix = "") const {
        return run(env() + prefix + q(storysync_bin()) + " " + args);
    }
    // argv for a background Process (env sets the folders, then execs storysync in place).
    std::vector<std::string> argv(const std::vector<std::string>& args) const {
        std::vector<std::string> a = {"/usr/bin/env", "XDG_DATA_HOME=" + (home / "data").string(),
                                      "XDG_CONFIG_HOME=" + (home / "config").string(), storysync_bin()};
        a.insert(a.end(), args.begin(), args.end());
        return a;
    }
    void pair(Booth& b) const {
        auto r = sync("pair " + q(b.url()) + " " + q(b.code()) + " --name test-laptop");
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    // Every regular file under the library's stories/ folder, relative to it.
    std::set<std::string> story_files() const {
        std::set<std::string> out;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(library() / "stories", ec); it != fs::recursive_directory_iterator();
             it.increment(ec))
            if (it->is_regular_file()) out.insert(fs::relative(it->path(), library() / "stories").string());
        return out;
    }
    nlohmann::json list_json() const {
        auto r = sync("list --json");
        if (r.exit_code != 0) throw std::runtime_error("list failed: " + r.err);
        return nlohmann::json::parse(r.out);
    }
    nlohmann::json booths_json() const {
        auto r = sync("booths --json");
        if (r.exit_code != 0) throw std::runtime_error("booths failed: " + r.err);
        return nlohmann::json::parse(r.out);
    }
};

// SHA-256 of a file through the shell tool (independent of the code under test).
inline std::string sha256sum(const fs::path& f) {
    auto r = run("sha256sum " + q(f.string()));
    return r.out.substr(0, 64);
}

// Every file in the library's stories/ folder is one the booth offers, whole (right SHA-256), under
// the booth's id ("" to accept any booth).
inline void expect_library_holds_only_whole_files(const Laptop& l, const std::string& booth_id,
                                                  const std::map<std::string, std::map<std::string, std::string>>& offered) {
    for (const auto& rel : l.story_files()) {
        const fs::path p(rel);
        auto parts = std::vector<std::string>(p.begin(), p.end());
        ASSERT_EQ(parts.size(), 3u) << rel;
        if (!booth_id.empty()) {
            EXPECT_EQ(parts[0], booth_id) << rel;
        }
        auto s = offered.find(parts[1]);
        ASSERT_NE(s, offered.end()) << "a story the booth does not offer: " << rel;
        auto f = s->second.find(parts[2]);
        ASSERT_NE(f, s->second.end()) << rel;
        EXPECT_EQ(sha256sum(l.library() / "stories" / rel), f->second) << "a half-written file in the library: " << rel;
    }
}

// Bytes in the library's partial folder (of files whose name starts with `name`, when given).
inline std::size_t partial_bytes(const Laptop& l, const std::string& name = "") {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(l.library() / ".partial", ec); it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file(ec) && it->path().filename().string().rfind(name, 0) == 0) n += it->file_size(ec);
    return n;
}

}  // namespace sbtest
