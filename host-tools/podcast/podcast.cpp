// The feed writer: feed.xml, chapters JSON, podcast:guid and dates. The XML is written as text
// (every value through podcast_text's escaping) so the layout is exactly what the header and
// docs describe; check.cpp reads it back with libxml2.
#include "podcast/podcast.hpp"
#include "podcast/text.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#ifndef STORYSYNC_VERSION
#define STORYSYNC_VERSION "0"
#endif

namespace sb::storysync {

namespace pt = podcast_text;

namespace {

constexpr std::size_t kMaxDescriptionBytes = 4000;  // Apple Podcasts: description up to 4000 bytes
constexpr const char* kEllipsis = "\xE2\x80\xA6";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

void require(const std::string& value, const char* what) {
    if (trim(value).empty()) throw Error(std::string("the podcast's ") + what + " is empty; the feed needs one");
}

std::string episode_title(const Story& s) {
    if (!trim(s.title).empty()) return s.title;
    if (!s.code.empty()) return "Story " + s.code;
    return "Untitled story";
}

// "Rosa Díaz (storyteller, grandmother)"
std::string participant_line(const Participant& p) {
    std::string line = trim(p.name);
    std::string detail = trim(p.role);
    if (!trim(p.relationship).empty()) detail += (detail.empty() ? "" : ", ") + trim(p.relationship);
    if (!detail.empty()) line += " (" + detail + ")";
    return line;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

// The parts of an episode's description, already free of characters XML cannot carry.
struct DescriptionParts {
    std::string summary;                  // the story's description
    std::vector<std::string> people;      // participant lines
    std::string keywords;                 // "a, b, c" or ""
};

DescriptionParts description_parts(const Story& s) {
    DescriptionParts d;
    d.summary = trim(pt::xml_safe(s.description));
    for (const auto& p : s.participants)
        if (!trim(p.name).empty()) d.people.push_back(pt::xml_safe(participant_line(p)));
    std::vector<std::string> kw;
    for (const auto& k : s.keywords)
        if (!trim(k).empty()) kw.push_back(pt::xml_safe(trim(k)));
    d.keywords = join(kw, ", ");
    return d;
}

// Cuts `summary` so that render(summary) fits in the byte budget (an ellipsis marks the cut);
// if even an empty summary is too long, the whole rendering is cut.
template <typename Render>
std::string fit(const std::string& summary, Render render) {
    std::string full = render(summary);
    if (full.size() <= kMaxDescriptionBytes) return full;
    std::size_t lo = 0, hi = summary.size();
    std::string best = render("");
    while (lo < hi) {  // the longest prefix whose rendering fits
        std::size_t mid = (lo + hi + 1) / 2;
        std::string cand = render(pt::truncate_utf8(summary, mid) + kEllipsis);
        if (cand.size() <= kMaxDescriptionBytes) {
            lo = mid;
            best = cand;
        } else {
            hi = mid - 1;
        }
    }
    if (best.size() > kMaxDescriptionBytes) best = pt::truncate_utf8(best, kMaxDescriptionBytes);
    return best;
}

// The HTML Apple accepts in descriptions: <p>, <ul>, <li>, <a>. Escaped once here as HTML; the
// XML writer escapes the whole again.
std::string html_description(const DescriptionParts& d, const std::string& page_url) {
    auto html = [](const std::string& s) {
        std::string out;
        for (char c : s) {
            switch (c) {
                case '&': out += "&amp;"; break;
                case '<': out += "&lt;"; break;
                case '>': out += "&gt;"; break;
                case '"': out += "&quot;"; break;
                default: out += c;
            }
        }
        return out;
    };
    return fit(d.summary, [&](const std::string& summary) {
        std::string out;
        if (!summary.empty()) {
            std::string para;
            for (char c : html(summary)) para += c == '\n' ? std::string("</p><p>") : std::string(1, c);
            out += "<p>" + para + "</p>";
        }
        if (!d.people.empty()) {
            out += "<ul>";
            for (const auto& p : d.people) out += "<li>" + html(p) + "</li>";
            out += "</ul>";
        }
        if (!d.keywords.empty()) out += "<p>Keywords: " + html(d.keywords) + "</p>";
        if (!page_url.empty()) out += "<p><a href=\"" + html(page_url) + "\">The story's page</a></p>";
        return out;
    });
}

// A tiny indenting XML writer: values are escaped on the way in.
class Writer {
public:
    void open(const std::string& tag, const std::string& attrs = "") {
        line("<" + tag + attrs + ">");
        ++depth_;
    }
    void close(const std::string& tag) {
        --depth_;
        line("</" + tag + ">");
    }
    void text(const std::string& tag, const std::string& value, const std::string& attrs = "") {
        line("<" + tag + attrs + ">" + pt::escape_text(value) + "</" + tag + ">");
    }
    void empty(const std::string& tag, const std::string& attrs) { line("<" + tag + attrs + "/>"); }
    std::string str() const { return out_; }

private:
    void line(const std::string& s) {
        out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
        out_ += s;
        out_ += '\n';
    }
    std::string out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    int depth_ = 0;
};

std::string attr(const std::string& name, const std::string& value) {
    return " " + name + "=\"" + pt::escape_attr(value) + "\"";
}

std::string iso_to_rfc(const std::string& iso, const std::string& what) {
    auto t = pt::parse_iso8601(iso);
    if (!t) throw Error(what + " \"" + pt::xml_safe(iso) + "\" is not an ISO 8601 date and time");
    return pt::format_rfc2822(*t);
}

std::string url_for(const std::string& base, const std::string& rel) {
    return base + pt::encode_path(rel);
}

// A path of the published folder as EpisodeFiles gives it: relative, '/'-separated, inside.
void require_relative(const std::string& rel, const std::string& story_id, const char* what) {
    bool bad = rel.empty() || rel.front() == '/' || rel.find('\\') != std::string::npos ||
               rel.find('\0') != std::string::npos;
    std::size_t start = 0;
    while (!bad && start <= rel.size()) {
        std::size_t end = rel.find('/', start);
        if (end == std::string::npos) end = rel.size();
        if (rel.compare(start, end - start, "..") == 0 && end - start == 2) bad = true;
        start = end + 1;
    }
    if (bad)
        throw Error("story " + pt::xml_safe(story_id) + ": the " + what + " path \"" + pt::xml_safe(rel) +
                    "\" must be a relative path inside the published folder");
}

}  // namespace

std::string normalise_base_url(const std::string& url) {
    std::string u = trim(url);
    std::string l = lower(u);
    std::size_t host_at = l.rfind("https://", 0) == 0 ? 8 : l.rfind("http://", 0) == 0 ? 7 : 0;
    if (host_at == 0)
        throw Error("the podcast's base URL \"" + pt::xml_safe(url) + "\" must start with http:// or https://");
    if (u.size() <= host_at || u[host_at] == '/')
        throw Error("the podcast's base URL \"" + pt::xml_safe(url) + "\" has no host name");
    for (char c : u) {
        auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b >= 0x7F || c == '"' || c == '\'' || c == '<' || c == '>' || c == '?' || c == '#' ||
            c == '\\')
            throw Error("the podcast's base URL \"" + pt::xml_safe(url) +
                        "\" may not contain spaces, quotes, <, >, ?, # or non-ASCII characters");
    }
    if (u.back() != '/') u += '/';
    return u;
}

std::string rfc2822_date(const std::string& iso8601) {
    return iso_to_rfc(iso8601, "the date");
}

std::string podcast_guid(const std::string& feed_url) {
    std::string name = trim(feed_url);
    auto scheme = name.find("://");
    if (scheme != std::string::npos) name = name.substr(scheme + 3);
    while (!name.empty() && name.back() == '/') name.pop_back();

    static constexpr unsigned char kNamespace[16] = {0xea, 0xd4, 0xc2, 0x36, 0xbf, 0x58, 0x58, 0xc6,
                                                     0xa2, 0xc6, 0xa6, 0xb2, 0x8d, 0x12, 0x8c, 0xb6};
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), kNamespace, sizeof kNamespace) != 1 ||
        EVP_DigestUpdate(ctx.get(), name.data(), name.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1 || len < 16)
        throw Error("SHA-1 for the podcast guid failed in OpenSSL");
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC 4122 variant
    std::string out;
    char hex[3];
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        std::snprintf(hex, sizeof hex, "%02x", digest[i]);
        out += hex;
    }
    return out;
}

std::string chapters_json(const Story& story) {
    std::vector<Marker> markers = story.markers;
    std::stable_sort(markers.begin(), markers.end(),
                     [](const Marker& a, const Marker& b) { return a.offset_ms < b.offset_ms; });
    nlohmann::json chapters = nlohmann::json::array();
    if (markers.empty() || markers.front().offset_ms > 0)
        chapters.push_back({{"startTime", 0}, {"title", pt::xml_safe(episode_title(story))}});
    int n = 0;
    for (const auto& m : markers) {
        ++n;
        std::string title = trim(pt::xml_safe(m.text));
        if (title.empty()) title = "Chapter " + std::to_string(n);
        std::int64_t ms = std::max<std::int64_t>(0, m.offset_ms);
        nlohmann::json start = ms % 1000 == 0 ? nlohmann::json(ms / 1000) : nlohmann::json(static_cast<double>(ms) / 1000.0);
        chapters.push_back({{"startTime", start}, {"title", title}});
    }
    nlohmann::json doc = {{"version", "1.2.0"}, {"chapters", chapters}};
    return doc.dump(2) + "\n";
}

std::string feed_xml(const Channel& ch, const std::vector<Episode>& episodes, const std::string& build_date) {
    require(ch.title, "title");
    require(ch.description, "description");
    require(ch.language, "language");
    require(ch.author, "author");
    require(ch.owner_name, "owner name");
    require(ch.owner_email, "owner email");
    require(ch.category, "category");
    require(ch.image_name, "artwork file name");
    const std::string base = normalise_base_url(ch.base_url);
    const std::string feed_url = base + kFeedFileName;
    const std::string image_url = url_for(base, ch.image_name);

    Writer w;
    w.open("rss", attr("version", "2.0") + attr("xmlns:itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd") +
                      attr("xmlns:podcast", "https://podcastindex.org/namespace/1.0") +
                      attr("xmlns:atom", "http://www.w3.org/2005/Atom") +
                      attr("xmlns:content", "http://purl.org/rss/1.0/modules/content/"));
    w.open("channel");
    w.text("title", ch.title);
    w.text("description", pt::truncate_utf8(pt::xml_safe(ch.description), kMaxDescriptionBytes));
    w.text("link", base);
    w.text("language", ch.language);
    if (!trim(ch.copyright).empty()) w.text("copyright", ch.copyright);
    w.text("lastBuildDate", iso_to_rfc(build_date, "the feed's build date"));
    w.text("generator", std::string("storysync ") + STORYSYNC_VERSION);
    w.empty("atom:link", attr("href", feed_url) + attr("rel", "self") + attr("type", "application/rss+xml"));
    w.open("image");
    w.text("url", image_url);
    w.text("title", ch.title);
    w.text("link", base);
    w.close("image");
    w.empty("itunes:image", attr("href", image_url));
    if (trim(ch.subcategory).empty()) {
        w.empty("itunes:category", attr("text", ch.category));
    } else {
        w.open("itunes:category", attr("text", ch.category));
        w.empty("itunes:category", attr("text", ch.subcategory));
        w.close("itunes:category");
    }
    w.text("itunes:explicit", ch.explicit_content ? "true" : "false");
    w.text("itunes:author", ch.author);
    w.open("itunes:owner");
    w.text("itunes:name", ch.owner_name);
    w.text("itunes:email", ch.owner_email);
    w.close("itunes:owner");
    w.text("itunes:type", "episodic");
    w.text("podcast:guid", podcast_guid(feed_url));
    w.text("podcast:locked", ch.locked ? "yes" : "no", attr("owner", ch.owner_email));

    std::set<std::string> ids;
    for (const auto& ep : episodes) {
        const Story& s = ep.story;
        const EpisodeFiles& f = ep.files;
        if (trim(s.id).empty()) throw Error("a story for the podcast feed has no id");
        if (!ids.insert(s.id).second)
            throw Error("story " + pt::xml_safe(s.id) + " appears twice in the podcast feed; each story is one episode");
        if (f.mp3.empty()) throw Error("story " + pt::xml_safe(s.id) + " has no MP3 file for the podcast feed");
        require_relative(f.mp3, s.id, "MP3");
        if (!f.opus.empty()) require_relative(f.opus, s.id, "Opus");
        if (!f.chapters.empty()) require_relative(f.chapters, s.id, "chapters");
        if (!f.page.empty()) require_relative(f.page, s.id, "page");
        const std::string page_url = f.page.empty() ? "" : url_for(base, f.page);
        const std::string mp3_url = url_for(base, f.mp3);
        DescriptionParts parts = description_parts(s);

        w.open("item");
        w.text("title", episode_title(s));
        // HTML in both: apps guess whether a description is HTML, and a name like "<Ltd>" in
        // plain text would be taken for a tag and vanish.
        if (parts.summary.empty() && parts.people.empty()) parts.summary = pt::xml_safe(episode_title(s));  // never empty
        const std::string html = html_description(parts, page_url);
        w.text("description", html);
        w.text("content:encoded", html);
        if (!page_url.empty()) w.text("link", page_url);
        w.text("guid", s.id, attr("isPermaLink", "false"));
        w.text("pubDate", iso_to_rfc(s.created_at, "story " + pt::xml_safe(s.id) + " created_at"));
        w.empty("enclosure", attr("url", mp3_url) + attr("length", std::to_string(f.mp3_bytes)) +
                                 attr("type", "audio/mpeg"));
        double seconds = f.duration_s > 0 ? f.duration_s
                         : s.duration_ms ? static_cast<double>(*s.duration_ms) / 1000.0
                                         : 0.0;
        w.text("itunes:duration", std::to_string(std::llround(std::max(0.0, seconds))));
        w.text("itunes:episodeType", "full");
        if (!parts.keywords.empty()) w.text("itunes:keywords", parts.keywords);
        if (!f.chapters.empty())
            w.empty("podcast:chapters", attr("url", url_for(base, f.chapters)) + attr("type", "application/json+chapters"));
        if (!f.opus.empty()) {
            std::string a = attr("type", "audio/ogg; codecs=opus") + attr("length", std::to_string(f.opus_bytes)) +
                            attr("codecs", "opus") + attr("title", "Opus");
            if (!trim(s.language).empty()) a += attr("lang", s.language);
            w.open("podcast:alternateEnclosure", a);
            w.empty("podcast:source", attr("uri", url_for(base, f.opus)));
            w.close("podcast:alternateEnclosure");
        }
        for (const auto& p : s.participants) {
            if (trim(p.name).empty()) continue;
            w.text("podcast:person", trim(p.name), attr("role", p.role == "interviewer" ? "host" : "guest"));
        }
        w.close("item");
    }
    w.close("channel");
    w.close("rss");
    return w.str();
}

}  // namespace sb::storysync
