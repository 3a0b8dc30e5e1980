#include "publish/publish.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/temp_file.hpp"
#include "episode_audio/episode_audio.hpp"
#include "feed/feed.hpp"
#include "podcast/text.hpp"
#include "site/site.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

namespace sb::storysync {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kStateName = ".storysync-publish.json";
constexpr int kStateFormat = 1;
// Bump when the MP3s made from the same Opus file would come out different (encoder settings).
constexpr const char* kMp3Recipe = "mp3-v1";

struct FileRecord {
    std::uint64_t size = 0;
    std::string sha256;
};
using FileMap = std::map<std::string, FileRecord>;  // path relative to the folder -> what is there

FileMap read_state(const fs::path& out) {
    FileMap files;
    const fs::path file = out / kStateName;
    if (!fs::exists(file)) return files;
    try {
        const json j = json::parse(read_file(file));
        if (j.at("format").get<int>() != kStateFormat) throw Error("unknown format");
        for (const auto& [path, rec] : j.at("files").items())
            files[path] = {rec.at("size").get<std::uint64_t>(), rec.at("sha256").get<std::string>()};
    } catch (const std::exception& e) {
        throw Error(file.string() + " is damaged (" + e.what() + "); move the folder aside and publish again");
    }
    return files;
}

void write_state(const fs::path& out, const FileMap& files) {
    json j = {{"format", kStateFormat}, {"generator", "storysync publish"}, {"files", json::object()}};
    for (const auto& [path, rec] : files) j["files"][path] = {{"size", rec.size}, {"sha256", rec.sha256}};
    write_file_atomic(out / kStateName, j.dump(1) + "\n");
}

std::uint64_t size_or_zero(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

std::string id3_date(const Story& s) { return s.created_at.size() >= 10 ? s.created_at.substr(0, 10) : s.created_at; }

std::string display_title(const Story& s) { return s.title.empty() ? s.code : s.title; }

Id3Tags tags_for(const Story& s, const Channel& c) {
    Id3Tags t;
    t.title = display_title(s);
    for (const auto& p : s.participants) t.artist += (t.artist.empty() ? "" : ", ") + p.name;
    t.album = c.title;
    t.date = id3_date(s);
    return t;
}

std::string short_key(const std::string& text) { return sha256_hex(text).substr(0, 12); }

// What one story contributes to the folder.
struct Planned {
    Story story;
    std::string booth_id;
    bool secret = false;
    fs::path opus_src;                // the library's listening copy
    std::string opus_sha256;
    Id3Tags tags;
    std::string mp3, opus, chapters, page;   // paths relative to the folder
};

// Writes `text` at out/rel unless the file there already has exactly these bytes.
class Writer {
public:
    Writer(fs::path out, const FileMap& old, PublishResult& r) : out_(std::move(out)), old_(old), r_(r) {}

    void text(const std::string& rel, const std::string& text) {
        FileRecord rec{text.size(), sha256_hex(text)};
        if (!unchanged(rel, rec)) {
            fs::create_directories((out_ / rel).parent_path());
            write_file_atomic(out_ / rel, text);
            ++r_.files_written;
        }
        now_[rel] = rec;
    }

    // A file whose name changes whenever its bytes do (media): made once, kept after that. Its
    // record holds the size only: the name already stands for the content. True when made now.
    bool file(const std::string& rel, const std::function<void(const fs::path&)>& make) {
        const fs::path dst = out_ / rel;
        auto it = old_.find(rel);
        if (it != old_.end() && it->second.size > 0 && size_or_zero(dst) == it->second.size) {
            now_[rel] = it->second;
            ++r_.files_kept;
            return false;
        }
        fs::create_directories(dst.parent_path());
        make(dst);
        now_[rel] = {size_or_zero(dst), ""};
        ++r_.files_written;
        return true;
    }

    const FileMap& written() const { return now_; }

private:
    bool unchanged(const std::string& rel, const FileRecord& rec) {
        auto it = old_.find(rel);
        if (it == old_.end() || it->second.sha256 != rec.sha256 || size_or_zero(out_ / rel) != rec.size) return false;
        ++r_.files_kept;
        return true;
    }

    fs::path out_;
    const FileMap& old_;
    PublishResult& r_;
    FileMap now_;
};

std::string sitemap_xml(const std::string& base, const std::vector<Planned>& listed) {
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    x += "  <url><loc>" + podcast_text::escape_text(base + "index.html") + "</loc></url>\n";
    for (const auto& p : listed) x += "  <url><loc>" + podcast_text::escape_text(base + p.page) + "</loc></url>\n";
    return x + "</urlset>\n";
}

const char* kSecretFolderPage =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"robots\" content=\"noindex, nofollow\"><title>Not listed</title></head>"
    "<body><p>There is nothing to see here.</p></body></html>\n";

}  // namespace

fs::path mp3_cache_dir(const Library& library) { return library.root() / ".cache" / "mp3"; }

PublishResult publish(const Library& library, const PublishOptions& options, const fs::path& out,
                      const std::function<void(const PublishProgress&)>& progress) {
    Channel channel = options.channel;
    if (channel.base_url.empty())
        throw Error("publishing needs the site's address: set base-url in the config file or give --base-url");
    try {
        channel.base_url = normalise_base_url(channel.base_url);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (base-url in the config file, or --base-url)");
    }
    if (channel.title.empty()) throw Error("publishing needs the podcast's title: set podcast-title in the config file");
    if (channel.owner_email.find('@') == std::string::npos)
        throw Error("publishing needs a contact email for podcast directories (Apple Podcasts asks for one): set "
                    "podcast-email in the config file");
    if (options.artwork.empty())
        throw Error("publishing needs the podcast's artwork: set podcast-artwork in the config file to a square "
                    "PNG or JPEG, 1400 to 3000 pixels on a side");
    const Artwork art = check_artwork(options.artwork);
    const std::string art_name = std::string("artwork.") + (art.mime == "image/png" ? "png" : "jpg");
    channel.image_name = art_name;

    PublishResult r;
    r.out = out;
    std::error_code ec;
    if (fs::exists(out, ec)) {
        if (!fs::is_directory(out)) throw Error(out.string() + " is not a folder");
        if (!fs::exists(out / kStateName) && !fs::is_empty(out))
            throw Error(out.string() + " has other files in it; publish into an empty folder, or one storysync "
                                       "published before");
    }
    fs::create_directories(out);
    const FileMap old = read_state(out);

    // Which stories, newest first, and where each one's files go.
    std::vector<Planned> listed, secret;
    for (const LibraryStory& ls : library.stories()) {
        Story s;
        try {
            s = feed::story_from_json(json::parse(ls.story_json));
        } catch (const std::exception& e) {
            spdlog::warn("story {} ({}): its record in the library cannot be read ({}); not published", ls.code, ls.id,
                         e.what());
            continue;
        }
        const bool pub = feed::is_shareable(s);
        const bool sec = !pub && feed::has_secret_page(s);
        if (!pub && !sec) continue;
        auto listening = std::find_if(ls.files.begin(), ls.files.end(),
                                      [](const LibraryFile& f) { return f.name == feed::kListeningName; });
        if (listening == ls.files.end()) {
            spdlog::warn("story {} ({}) has no listening copy in the library; not published", ls.code, ls.id);
            ++r.skipped;
            continue;
        }
        Planned p;
        p.story = std::move(s);
        p.booth_id = ls.booth_id;
        p.secret = sec;
        p.opus_src = library.file_path(ls.booth_id, ls.id, feed::kListeningName);
        p.opus_sha256 = listening->sha256;
        p.tags = tags_for(p.story, channel);
        const std::string mp3_key =
            short_key(std::string(kMp3Recipe) + "\n" + p.opus_sha256 + "\n" + p.tags.title + "\n" + p.tags.artist +
                      "\n" + p.tags.album + "\n" + p.tags.date);
        const std::string opus_key = p.opus_sha256.substr(0, 12);
        if (sec) {
            const std::string dir = "s/" + p.story.secret_link + "/";
            p.page = dir + "index.html";
            p.mp3 = dir + "story-" + mp3_key + ".mp3";
            p.opus = dir + "story-" + opus_key + ".opus";
            secret.push_back(std::move(p));
        } else {
            const std::string& id = p.story.id;
            p.page = "stories/" + id + "/index.html";
            p.mp3 = "media/" + id + "-" + mp3_key + ".mp3";
            p.opus = "media/" + id + "-" + opus_key + ".opus";
            p.chapters = "chapters/" + id + "-" + short_key(chapters_json(p.story)) + ".json";
            listed.push_back(std::move(p));
        }
    }
    auto newest_first = [](const Planned& a, const Planned& b) {
        return a.story.created_at != b.story.created_at ? a.story.created_at > b.story.created_at
                                                        : a.story.id < b.story.id;
    };
    std::sort(listed.begin(), listed.end(), newest_first);
    std::sort(secret.begin(), secret.end(), newest_first);

    // The record first lists old and new files alike: an interrupted publish is tidied up next time.
    {
        FileMap both = old;
        for (const auto* group : {&listed, &secret})
            for (const auto& p : *group)
                for (const std::string* rel : {&p.mp3, &p.opus, &p.chapters, &p.page})
                    if (!rel->empty()) both.emplace(*rel, FileRecord{});
        write_state(out, both);
    }

    Writer w(out, old, r);
    const fs::path cache = mp3_cache_dir(library);
    fs::create_directories(cache);
    PublishProgress prog;
    prog.total = static_cast<int>(listed.size() + secret.size());

    std::vector<Episode> episodes;
    std::vector<SitePage> pages;
    SiteInfo site;
    site.title = channel.title;
    site.description = channel.description;
    site.language = channel.language;
    site.feed = "feed.xml";
    site.image = art_name;

    for (auto* group : {&listed, &secret}) {
        for (auto& p : *group) {
            prog.story = display_title(p.story);
            prog.encoding = false;
            if (progress) progress(prog);
            const fs::path cached = cache / (p.opus_sha256 + "-" + kMp3Recipe + ".mp3");
            const bool made = w.file(p.mp3, [&](const fs::path& dst) {
                if (!fs::exists(cached)) {
                    prog.encoding = true;
                    if (progress) progress(prog);
                    encode_episode_mp3(p.opus_src, cached);
                    ++r.encoded;
                }
                write_tagged_mp3(cached, dst, p.tags);
            });
            if (!made || !prog.encoding) ++r.reused;  // kept in place, or tagged from the cache
            w.file(p.opus, [&](const fs::path& dst) { copy_file_atomic(p.opus_src, dst); });

            SitePage page;
            page.story = p.story;
            page.path = p.page.substr(0, p.page.size() - std::string("index.html").size());
            page.mp3 = p.mp3;
            page.opus = p.opus;
            page.mp3_bytes = w.written().at(p.mp3).size;
            page.opus_bytes = w.written().at(p.opus).size;
            page.secret = p.secret;
            w.text(p.page, story_html(site, page));
            if (p.secret) {
                ++r.secret;
                r.secret_links.push_back(channel.base_url + page.path);
            } else {
                w.text(p.chapters, chapters_json(p.story));
                Episode e;
                e.story = p.story;
                e.files.mp3 = p.mp3;
                e.files.opus = p.opus;
                e.files.chapters = p.chapters;
                e.files.page = p.page;
                e.files.mp3_bytes = page.mp3_bytes;
                e.files.opus_bytes = page.opus_bytes;
                e.files.duration_s = p.story.duration_ms ? static_cast<double>(*p.story.duration_ms) / 1000.0 : 0.0;
                episodes.push_back(std::move(e));
                pages.push_back(std::move(page));
                ++r.published;
            }
            ++prog.done;
        }
    }
    prog.encoding = false;
    prog.story.clear();
    if (progress) progress(prog);

    w.text(art_name, read_file(options.artwork));
    w.text("assets/site.css", site_css());
    w.text("assets/site.js", site_js());
    if (!secret.empty() || old.count("s/index.html")) w.text("s/index.html", kSecretFolderPage);
    w.text("index.html", index_html(site, pages));
    w.text("sitemap.xml", sitemap_xml(channel.base_url, listed));
    w.text("robots.txt", "User-agent: *\nAllow: /\nSitemap: " + channel.base_url + "sitemap.xml\n");

    // The feed's build date changes only when a published story does, so a publish with nothing
    // new rewrites nothing.
    std::string build = "2000-01-01T00:00:00Z";
    for (const auto& e : episodes) build = std::max(build, std::max(e.story.updated_at, e.story.created_at));
    w.text("feed.xml", feed_xml(channel, episodes, build));

    // Only now that the new feed is in place: remove what it no longer names.
    FileMap now = w.written();
    std::set<fs::path> dirs;
    for (const auto& [rel, rec] : old) {
        if (now.count(rel) || !is_safe_relative_path(rel)) continue;
        if (fs::remove(out / rel, ec)) ++r.files_removed;
        for (fs::path d = fs::path(rel).parent_path(); !d.empty(); d = d.parent_path()) dirs.insert(d);
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
        if (fs::is_directory(out / *it, ec) && fs::is_empty(out / *it, ec)) fs::remove(out / *it, ec);
    fsync_dir(out);
    write_state(out, now);
    return r;
}

std::vector<std::string> check_published(const fs::path& dir) {
    std::vector<std::string> problems = check_feed_folder(dir);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return problems;
    std::vector<fs::path> mp3s;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".mp3" &&
            it->path().filename().string().front() != '.')
            mp3s.push_back(it->path());
    }
    std::sort(mp3s.begin(), mp3s.end());
    char buf[200];
    for (const auto& f : mp3s) {
        const std::string rel = fs::relative(f, dir).string();
        try {
            const Loudness l = measure_loudness(f);
            if (l.integrated_lufs < -17.0 || l.integrated_lufs > -15.0) {
                std::snprintf(buf, sizeof buf, "%.1f LUFS integrated, not -16 +-1", l.integrated_lufs);
                problems.push_back(rel + ": " + buf);
            }
            if (l.true_peak_dbtp > -1.0) {
                std::snprintf(buf, sizeof buf, "true peak %.2f dBTP, above -1 dBTP", l.true_peak_dbtp);
                problems.push_back(rel + ": " + buf);
            }
        } catch (const std::exception& e) {
            problems.push_back(rel + ": cannot be decoded (" + std::string(e.what()) + ")");
        }
    }
    return problems;
}

}  // namespace sb::storysync
