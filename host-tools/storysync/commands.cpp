#include "storysync/commands.hpp"

#include "catalog/sqlite.hpp"
#include "common/error.hpp"
#include "common/hash.hpp"
#include "feed/feed.hpp"
#include "library/library.hpp"
#include "library/tokens.hpp"
#include "pull/pull.hpp"
#include "storysync/config.hpp"
#include "storysync/progress.hpp"
#include "transfer/booth_client.hpp"
#include "transfer/errors.hpp"
#include "transfer/export_source.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace sb::storysync {

std::filesystem::path library_dir(const Settings& s) { return s.library.empty() ? default_library_dir() : s.library; }

namespace {

using nlohmann::json;

TokenStore tokens(const Settings& s) { return TokenStore(s.tokens_file.empty() ? default_tokens_file() : s.tokens_file); }

ClientOptions client_options(const Settings& s) {
    ClientOptions o;
    o.connect_timeout = std::chrono::seconds(std::min(s.timeout_seconds, 10));
    o.read_timeout = std::chrono::seconds(s.timeout_seconds);
    return o;
}

// A fault that stopped a pull, in one line a volunteer can act on.
std::string describe_fault(const std::exception& e) {
    if (const auto* io = dynamic_cast<const IoError*>(&e); io && io->disk_full())
        return std::string("the laptop's disk is full (") + io->what() +
               "). Free some space and run 'storysync pull' again: what was downloaded is kept and resumed, and "
               "nothing half-written is in the library.";
    if (const auto* ce = dynamic_cast<const CatalogError*>(&e); ce && ce->disk_full())
        return "the laptop's disk is full (the library's catalog could not be written). Free some space and run "
               "'storysync pull' again; the library is unchanged.";
    return e.what();
}

std::string duration_text(const std::optional<std::int64_t>& ms) {
    if (!ms) return "-";
    return human_duration(static_cast<double>(*ms) / 1000.0);
}

std::string date_part(const std::string& iso) { return iso.substr(0, std::min<std::size_t>(iso.size(), 10)); }

std::string clip(const std::string& s, std::size_t n) {
    if (s.size() <= n) return s;
    std::size_t cut = n - 1;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    return s.substr(0, cut) + "~";
}

json story_json_out(const Library& lib, const LibraryStory& s) {
    json j;
    j["booth"] = {{"id", s.booth_id}, {"name", s.booth_name}, {"code", s.booth_code}};
    j["story"] = json::parse(s.story_json, nullptr, false);
    j["pulled_at"] = s.pulled_at;
    json files = json::array();
    for (const auto& f : s.files)
        files.push_back({{"name", f.name}, {"kind", f.kind}, {"size", f.size}, {"sha256", f.sha256},
                         {"path", lib.file_path(s.booth_id, s.id, f.name).string()}});
    j["files"] = files;
    return j;
}

void print_story_table(const std::vector<LibraryStory>& stories) {
    if (stories.empty()) {
        std::printf("No stories.\n");
        return;
    }
    std::printf("%-12s %-16s %-10s %8s  %-9s  %s\n", "CODE", "BOOTH", "DATE", "LENGTH", "SHARE", "TITLE");
    for (const auto& s : stories)
        std::printf("%-12s %-16s %-10s %8s  %-9s  %s\n", s.code.c_str(), clip(s.booth_name, 16).c_str(),
                    date_part(s.created_at).c_str(), duration_text(s.duration_ms).c_str(), s.share_level.c_str(),
                    s.title.c_str());
    std::printf("%zu %s\n", stories.size(), stories.size() == 1 ? "story" : "stories");
}

struct Totals {
    int added = 0, updated = 0, removed = 0, failed = 0;
    std::uint64_t bytes = 0;
    int resumed = 0;
};

void summary_line(const std::string& who, const Totals& t, double seconds) {
    const double rate = seconds > 0 ? static_cast<double>(t.bytes) / seconds : 0;
    const std::string failed = t.failed ? ", " + std::to_string(t.failed) + " FAILED" : "";
    const std::string speed = t.bytes ? " (" + human_bytes(static_cast<std::uint64_t>(rate)) + "/s)" : "";
    const std::string resumed =
        t.resumed ? ", resumed " + std::to_string(t.resumed) + (t.resumed == 1 ? " file" : " files") + " from an earlier pull" : "";
    std::printf("%s: %d new, %d updated, %d removed%s; %s in %.1f s%s%s\n", who.c_str(), t.added, t.updated, t.removed,
                failed.c_str(), human_bytes(t.bytes).c_str(), seconds, speed.c_str(), resumed.c_str());
    std::fflush(stdout);
}

}  // namespace

int cmd_pair(const Settings& s, const std::string& url_typed, const std::string& code, const std::string& host) {
    const std::string url = normalise_url(url_typed);
    if (host.empty() || host.size() > 255) throw Error("the laptop's name (--name) must be 1 to 255 characters");
    auto lib = Library::open(library_dir(s), true);
    const auto r = pair_with_booth(url, code, host, client_options(s));
    // The token first: a booth row without its token would be a pairing that cannot work.
    tokens(s).put(r.booth.id, r.token);
    BoothRecord b;
    if (auto old = lib.booth(r.booth.id)) b = *old;
    b.id = r.booth.id;
    b.name = r.booth.name;
    b.code = r.booth.code;
    b.version = r.booth.version;
    b.url = url;
    b.host_name = host;
    b.laptop_id = r.laptop_id;
    lib.save_booth(b);
    std::printf("Paired with booth '%s' (%s) at %s as '%s'.\nPull its stories with: storysync pull\n", b.name.c_str(),
                b.code.c_str(), url.c_str(), host.c_str());
    return 0;
}

int cmd_booths(const Settings& s, bool as_json) {
    auto lib = Library::open(library_dir(s), false);
    const auto all = lib.booths();
    if (as_json) {
        json arr = json::array();
        for (const auto& b : all)
            arr.push_back({{"id", b.id}, {"name", b.name}, {"code", b.code}, {"version", b.version}, {"url", b.url},
                           {"paired", b.paired()}, {"host_name", b.host_name}, {"last_seq", b.last_seq},
                           {"last_sync_at", b.last_sync_at}, {"stories", b.stories}});
        std::printf("%s\n", arr.dump(2).c_str());
        return 0;
    }
    if (all.empty()) {
        std::printf("No booths yet. Pair one with: storysync pair URL CODE (the code is on the booth's admin page)\n");
        return 0;
    }
    std::printf("%-20s %-8s %-30s %7s  %-24s  %s\n", "NAME", "CODE", "ADDRESS", "STORIES", "LAST SYNC", "ID");
    for (const auto& b : all)
        std::printf("%-20s %-8s %-30s %7lld  %-24s  %s\n", clip(b.name, 20).c_str(), b.code.c_str(),
                    b.paired() ? b.url.c_str() : "(USB exports only)", static_cast<long long>(b.stories),
                    b.last_sync_at.empty() ? "never" : b.last_sync_at.c_str(), b.id.c_str());
    return 0;
}

int cmd_unpair(const Settings& s, const std::string& name) {
    auto lib = Library::open(library_dir(s), true);
    const auto b = lib.find_booth(name);
    tokens(s).remove(b.id);
    lib.unpair(b.id);
    std::printf("Unpaired booth '%s'; its %lld stories stay in the library. The booth's librarian can also revoke "
                "this laptop on the booth's admin page (Pairing).\n",
                b.name.c_str(), static_cast<long long>(b.stories));
    return 0;
}

int cmd_pull(const Settings& s, const std::vector<std::string>& what) {
    auto lib = Library::open(library_dir(s), true);
    auto store = tokens(s);

    // What to pull from, in order: (label, maker of the source, library booth id or "" for an export).
    struct Target {
        std::string label;
        std::string booth_id;                 // "" for an export
        std::filesystem::path export_folder;  // for an export
    };
    std::vector<Target> targets;
    if (what.empty()) {
        for (const auto& b : lib.booths())
            if (b.paired()) targets.push_back({"booth '" + b.name + "' (" + b.url + ")", b.id, {}});
        if (targets.empty())
            throw Error("no booth is paired with this library yet: pair one with 'storysync pair URL CODE', or pull a "
                        "USB export with 'storysync pull PATH'");
    }
    for (const auto& w : what) {
        std::error_code ec;
        if (w.find('/') != std::string::npos || std::filesystem::is_directory(w, ec)) {
            if (!std::filesystem::is_directory(w, ec)) throw Error("no folder at " + w);
            const auto found = feed::find_exports(w);
            if (found.empty())
                throw Error(w + " holds no booth export (a storybooth-export folder written by 'storybooth export')");
            for (const auto& f : found) targets.push_back({"USB export " + f.string(), "", f});
        } else {
            const auto b = lib.find_booth(w);
            if (!b.paired())
                throw Error("booth '" + b.name + "' is not paired with this laptop: pair it with 'storysync pair URL CODE', "
                            "or pull one of its USB exports with 'storysync pull PATH'");
            targets.push_back({"booth '" + b.name + "' (" + b.url + ")", b.id, {}});
        }
    }

    const bool tty = ::isatty(STDERR_FILENO) == 1;
    ProgressDisplay display(stdout, stderr, tty);
    std::unique_ptr<RateLimiter> limiter;
    if (s.rate_limit) limiter = std::make_unique<RateLimiter>(s.rate_limit);
    PullOptions opts;
    opts.limiter = limiter.get();

    Totals all;
    int faults = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& t : targets) {
        display.booth_started("Pulling from " + t.label);
        const auto tb = std::chrono::steady_clock::now();
        PullResult r;
        std::string fault;
        try {
            std::unique_ptr<Source> src;
            std::string booth_id = t.booth_id;
            if (!booth_id.empty()) {
                const auto rec = lib.booth(booth_id);
                const auto token = store.get(booth_id);
                if (!token)
                    throw SyncError(SyncError::Reason::unauthorized,
                                    "no token is stored for booth '" + rec->name + "' (" + store.file().string() +
                                        "): pair it again with 'storysync pair'");
                src = std::make_unique<BoothClient>(rec->url, *token, rec->name, client_options(s));
            } else {
                src = std::make_unique<ExportSource>(t.export_folder);
            }
            pull(lib, *src, booth_id, opts, display, r);
        } catch (const std::exception& e) {
            fault = describe_fault(e);
        }
        display.clear();
        Totals bt{r.added, r.updated, r.removed, r.failed, r.bytes, r.resumed};
        all.added += bt.added;
        all.updated += bt.updated;
        all.removed += bt.removed;
        all.failed += bt.failed;
        all.bytes += bt.bytes;
        all.resumed += bt.resumed;
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - tb).count();
        summary_line("  " + (r.booth_name.empty() ? t.label : "booth '" + r.booth_name + "'"), bt, secs);
        if (!r.warning.empty()) std::fprintf(stderr, "storysync: warning: %s\n", r.warning.c_str());
        if (!fault.empty()) {
            ++faults;
            std::fprintf(stderr, "storysync: %s\n", fault.c_str());
        }
    }
    if (targets.size() > 1) {
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        summary_line("All " + std::to_string(targets.size()) + " sources", all, secs);
    }
    return (faults || all.failed) ? 1 : 0;
}

int cmd_list(const Settings& s, const std::string& booth, const std::string& share, const std::string& text, bool as_json) {
    auto lib = Library::open(library_dir(s), false);
    StoryFilter f;
    if (!booth.empty()) f.booth_id = lib.find_booth(booth).id;
    if (!share.empty() && share != "private" && share != "community")
        throw Error("--share must be private or community, not '" + share + "'");
    f.share_level = share;
    f.text = text;
    const auto stories = lib.stories(f);
    if (as_json) {
        json arr = json::array();
        for (const auto& st : stories) arr.push_back(story_json_out(lib, st));
        std::printf("%s\n", arr.dump(2).c_str());
    } else {
        print_story_table(stories);
    }
    return 0;
}

int cmd_show(const Settings& s, const std::string& id_or_code, bool as_json) {
    auto lib = Library::open(library_dir(s), false);
    const auto found = lib.find_stories(id_or_code);
    if (found.empty()) throw Error("no story '" + id_or_code + "' in the library (see 'storysync list')");
    if (as_json) {
        json arr = json::array();
        for (const auto& st : found) arr.push_back(story_json_out(lib, st));
        std::printf("%s\n", (found.size() == 1 ? arr[0] : arr).dump(2).c_str());
        return 0;
    }
    bool first = true;
    for (const auto& st : found) {
        if (!first) std::printf("\n");
        first = false;
        const json j = json::parse(st.story_json, nullptr, false);
        auto text = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
        std::printf("%s  %s\n", st.code.c_str(), st.title.c_str());
        std::printf("  booth:        %s (%s, %s)\n", st.booth_name.c_str(), st.booth_code.c_str(), st.booth_id.c_str());
        std::printf("  id:           %s\n", st.id.c_str());
        std::printf("  state:        %s, %s\n", st.state.c_str(), st.share_level == "community" ? "shared with the community" : "private");
        if (!text("secret_link").empty())
            std::printf("  secret link:  s/%s/index.html on the published site (%s)\n", text("secret_link").c_str(),
                        s.base_url.empty() ? "set base-url to see the whole address" : (s.base_url + (s.base_url.back() == '/' ? "" : "/") + "s/" + text("secret_link") + "/index.html").c_str());
        std::printf("  recorded:     %s%s\n", st.created_at.c_str(),
                    j.value("clock_trusted", false) ? "" : " (the booth's clock was not set)");
        std::printf("  length:       %s\n", duration_text(st.duration_ms).c_str());
        std::printf("  language:     %s\n", st.language.c_str());
        if (!text("description").empty()) std::printf("  description:  %s\n", text("description").c_str());
        if (j.contains("participants") && j["participants"].is_array())
            for (const auto& p : j["participants"]) {
                std::string consent = "no consent recorded";
                if (p.contains("consent") && p["consent"].is_object())
                    consent = "chose " + p["consent"].value("choice", std::string()) + ", signed '" +
                              p["consent"].value("typed_name", std::string()) + "'";
                std::printf("  person:       %s (%s%s) — %s\n", p.value("name", std::string()).c_str(),
                            p.value("role", std::string()).c_str(),
                            p.value("relationship", std::string()).empty() ? "" : (", " + p.value("relationship", std::string())).c_str(),
                            consent.c_str());
            }
        if (j.contains("questions") && j["questions"].is_array())
            for (const auto& q : j["questions"])
                if (q.is_string()) std::printf("  question:     %s\n", q.get<std::string>().c_str());
        if (j.contains("keywords") && j["keywords"].is_array() && !j["keywords"].empty()) {
            std::string k;
            for (const auto& w : j["keywords"])
                if (w.is_string()) k += (k.empty() ? "" : ", ") + w.get<std::string>();
            std::printf("  keywords:     %s\n", k.c_str());
        }
        if (j.contains("markers") && j["markers"].is_array())
            for (const auto& m : j["markers"])
                std::printf("  chapter:      %s  %s\n", human_duration(m.value("offset_ms", 0.0) / 1000.0).c_str(),
                            m.value("text", std::string()).c_str());
        for (const auto& f : st.files)
            std::printf("  file:         %s  (%s, %s, sha256 %s)\n", lib.file_path(st.booth_id, st.id, f.name).c_str(),
                        f.kind.c_str(), human_bytes(f.size).c_str(), f.sha256.c_str());
        std::printf("  pulled:       %s\n", st.pulled_at.c_str());
    }
    return 0;
}

int cmd_verify(const Settings& s) {
    auto lib = Library::open(library_dir(s), true);
    const auto stories = lib.stories();
    std::size_t files = 0, problems = 0;
    std::uint64_t bytes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& st : stories) {
        for (const auto& f : st.files) {
            ++files;
            const auto path = lib.file_path(st.booth_id, st.id, f.name);
            std::error_code ec;
            const auto size = std::filesystem::file_size(path, ec);
            if (ec) {
                ++problems;
                std::printf("MISSING  %s %s: %s\n", st.code.c_str(), f.name.c_str(), path.c_str());
                continue;
            }
            std::string sha;
            try {
                sha = sha256_file(path);
            } catch (const std::exception& e) {
                ++problems;
                std::printf("UNREADABLE %s %s: %s\n", st.code.c_str(), f.name.c_str(), e.what());
                continue;
            }
            bytes += size;
            if (size != f.size || sha != f.sha256) {
                ++problems;
                std::printf("DAMAGED  %s %s: %s (%s, SHA-256 %s; the booth listed %s, %s)\n", st.code.c_str(),
                            f.name.c_str(), path.c_str(), human_bytes(size).c_str(), sha.c_str(),
                            human_bytes(f.size).c_str(), f.sha256.c_str());
            }
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (problems) {
        std::printf("%zu of %zu files in %zu stories are missing or damaged (listed above).\n", problems, files,
                    stories.size());
        return 1;
    }
    std::printf("All %zu files of %zu stories are intact (%s re-hashed in %.1f s).\n", files, stories.size(),
                human_bytes(bytes).c_str(), secs);
    return 0;
}

}  // namespace sb::storysync
