// The published-folder checker: feed.xml read back with libxml2 the way a directory would read
// it, every rule the writer follows checked again, and every file the feed points to inside the
// folder found and measured. Nothing here trusts that feed_xml wrote the file: a hand-edited or
// half-copied folder is what it is for.
#include "podcast/podcast.hpp"
#include "podcast/text.hpp"

#include "common/fs.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

namespace sb::storysync {

namespace pt = podcast_text;
namespace fs = std::filesystem;

namespace {

constexpr const char* kItunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
constexpr const char* kPodcast = "https://podcastindex.org/namespace/1.0";
constexpr const char* kAtom = "http://www.w3.org/2005/Atom";

using Problems = std::vector<std::string>;

bool named(xmlNodePtr n, const char* ns, const char* name) {
    if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST name) != 0) return false;
    if (!ns) return n->ns == nullptr;
    return n->ns && n->ns->href && xmlStrcmp(n->ns->href, BAD_CAST ns) == 0;
}

std::vector<xmlNodePtr> children(xmlNodePtr parent, const char* ns, const char* name) {
    std::vector<xmlNodePtr> out;
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (named(c, ns, name)) out.push_back(c);
    return out;
}

std::string content(xmlNodePtr n) {
    xmlChar* c = xmlNodeGetContent(n);
    std::string s = c ? reinterpret_cast<const char*>(c) : "";
    xmlFree(c);
    return s;
}

std::optional<std::string> prop(xmlNodePtr n, const char* name) {
    xmlChar* v = xmlGetNoNsProp(n, BAD_CAST name);
    if (!v) return std::nullopt;
    std::string s = reinterpret_cast<const char*>(v);
    xmlFree(v);
    return s;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string display(const std::string& tag, const char* ns) {
    if (!ns) return "<" + tag + ">";
    std::string prefix = ns == std::string(kItunes) ? "itunes:" : ns == std::string(kPodcast) ? "podcast:" : "atom:";
    return "<" + prefix + tag + ">";
}

bool all_digits(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// What one check of a feed needs to hand around.
struct Ctx {
    fs::path dir;
    std::string base;  // the channel's link, ending in '/'; empty when unusable
    Problems problems;

    void add(std::string s) { problems.push_back(std::move(s)); }

    // The file a URL names inside the folder, or nullopt (with a problem added when the URL is
    // under the base URL but cannot be a file there). URLs elsewhere are not ours to check.
    std::optional<fs::path> local(const std::string& who, const std::string& what, const std::string& url) {
        if (base.empty() || url.compare(0, base.size(), base) != 0) return std::nullopt;
        auto rel = pt::decode_path(url.substr(base.size()));
        bool bad = !rel || rel->empty() || rel->front() == '/' || rel->find('\\') != std::string::npos ||
                   rel->find('\0') != std::string::npos;
        if (!bad) {
            for (const auto& part : fs::path(*rel))
                if (part == "..") bad = true;
        }
        if (bad) {
            add(who + ": the " + what + " URL " + url + " does not name a file in the folder");
            return std::nullopt;
        }
        return fs::path(*rel);
    }

    // Checks that a file a URL names exists (and has the declared length, when given).
    // Returns the file's path when it exists.
    std::optional<fs::path> file(const std::string& who, const std::string& what, const std::string& url,
                                 std::optional<std::uint64_t> length) {
        auto rel = local(who, what, url);
        if (!rel) return std::nullopt;
        std::error_code ec;
        fs::path p = dir / *rel;
        if (!fs::is_regular_file(p, ec)) {
            add(who + ": the " + what + " " + rel->generic_string() + " is missing from the folder");
            return std::nullopt;
        }
        auto size = fs::file_size(p, ec);
        if (ec) {
            add(who + ": the " + what + " " + rel->generic_string() + " cannot be read");
            return std::nullopt;
        }
        if (length && size != *length)
            add(who + ": the " + what + " " + rel->generic_string() + " is " + std::to_string(size) +
                " bytes, but the feed says " + std::to_string(*length));
        return p;
    }
};

// The one element `parent` must have, or nullptr (with a problem added).
xmlNodePtr one(Ctx& c, const std::string& who, xmlNodePtr parent, const char* ns, const char* name) {
    auto v = children(parent, ns, name);
    if (v.empty()) {
        c.add(who + " has no " + display(name, ns));
        return nullptr;
    }
    if (v.size() > 1) c.add(who + " has " + std::to_string(v.size()) + " " + display(name, ns) + " elements; it may have one");
    return v.front();
}

// Its text, trimmed, or nullopt (with a problem added) when missing or empty.
std::optional<std::string> one_text(Ctx& c, const std::string& who, xmlNodePtr parent, const char* ns, const char* name) {
    xmlNodePtr n = one(c, who, parent, ns, name);
    if (!n) return std::nullopt;
    std::string t = trim(content(n));
    if (t.empty()) {
        c.add(who + " has an empty " + display(name, ns));
        return std::nullopt;
    }
    return t;
}

std::optional<std::string> required_attr(Ctx& c, const std::string& who, xmlNodePtr n, const char* tag, const char* ns,
                                         const char* name) {
    auto v = prop(n, name);
    if (!v || trim(*v).empty()) {
        c.add(who + ": " + display(tag, ns) + " has no " + name + " attribute");
        return std::nullopt;
    }
    return *v;
}

std::optional<std::uint64_t> length_attr(Ctx& c, const std::string& who, xmlNodePtr n, const char* tag, const char* ns) {
    auto v = required_attr(c, who, n, tag, ns, "length");
    if (!v) return std::nullopt;
    if (!all_digits(*v) || v->size() > 19) {
        c.add(who + ": " + display(tag, ns) + " length \"" + *v + "\" is not a whole number of bytes");
        return std::nullopt;
    }
    return std::stoull(*v);
}

void check_chapters_file(Ctx& c, const std::string& who, const fs::path& file, const std::string& rel) {
    std::string text;
    try {
        text = sb::read_file(file);
    } catch (const std::exception&) {
        c.add(who + ": the chapters file " + rel + " cannot be read");
        return;
    }
    const std::string what = who + ": the chapters file " + rel;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        c.add(what + " is not valid JSON");
        return;
    }
    if (!j.is_object()) {
        c.add(what + " is not a JSON object");
        return;
    }
    if (!j.contains("version") || !j["version"].is_string() || j["version"].get<std::string>() != "1.2.0")
        c.add(what + " does not say \"version\": \"1.2.0\"");
    if (!j.contains("chapters") || !j["chapters"].is_array()) {
        c.add(what + " has no \"chapters\" list");
        return;
    }
    double previous = 0;
    std::size_t i = 0;
    for (const auto& ch : j["chapters"]) {
        std::string at = what + " chapter " + std::to_string(i + 1);
        ++i;
        if (!ch.is_object() || !ch.contains("startTime") || !ch["startTime"].is_number()) {
            c.add(at + " has no numeric startTime");
            continue;
        }
        double t = ch["startTime"].get<double>();
        if (!std::isfinite(t) || t < 0) {
            c.add(at + " starts before 0 seconds");
            continue;
        }
        if (t < previous) {
            char when[32];
            std::snprintf(when, sizeof when, "%g", t);
            c.add(at + " starts at " + when + " s, before the chapter ahead of it");
        }
        previous = t;
        if (ch.contains("title") && !ch["title"].is_string()) c.add(at + " has a title that is not text");
    }
}

// "item "A story title"" (long titles cut, so a sentence stays readable).
std::string item_label(const std::optional<std::string>& title, std::size_t index) {
    if (!title) return "item " + std::to_string(index + 1);
    std::string t = pt::truncate_utf8(*title, 80);
    if (t.size() < title->size()) t += "\xE2\x80\xA6";
    return "item \"" + t + "\"";
}

void check_item(Ctx& c, xmlNodePtr item, std::size_t index, std::map<std::string, std::string>& guids,
                std::map<std::string, std::string>& enclosures) {
    // The title first, quietly, so every other sentence can name the item.
    std::optional<std::string> title;
    if (auto ts = children(item, nullptr, "title"); !ts.empty() && !trim(content(ts.front())).empty())
        title = trim(content(ts.front()));
    const std::string who = item_label(title, index);
    one_text(c, who, item, nullptr, "title");

    if (auto d = one_text(c, who, item, nullptr, "description"); d && d->size() > 4000)
        c.add(who + ": <description> is " + std::to_string(d->size()) + " bytes; Apple Podcasts takes at most 4000");

    if (xmlNodePtr g = one(c, who, item, nullptr, "guid")) {
        std::string guid = trim(content(g));
        if (guid.empty()) {
            c.add(who + " has an empty <guid>");
        } else {
            auto perma = prop(g, "isPermaLink");
            if (!perma || *perma != "false")
                c.add(who + ": <guid> must have isPermaLink=\"false\" (it is the story's id, not a web address)");
            auto [it, fresh] = guids.emplace(guid, who);
            if (!fresh) c.add(who + " has the same guid as " + it->second + " (" + guid + "); every episode needs its own");
        }
    }

    if (auto d = one_text(c, who, item, nullptr, "pubDate"); d && !pt::parse_rfc2822(*d))
        c.add(who + ": <pubDate> \"" + *d + "\" is not an RFC 2822 date");

    if (xmlNodePtr e = one(c, who, item, nullptr, "enclosure")) {
        auto url = required_attr(c, who, e, "enclosure", nullptr, "url");
        auto length = length_attr(c, who, e, "enclosure", nullptr);
        auto type = required_attr(c, who, e, "enclosure", nullptr, "type");
        if (type && *type != "audio/mpeg") c.add(who + ": <enclosure> type is \"" + *type + "\"; it must be audio/mpeg");
        // Apple decides from the URL's extension whether an episode is listed at all.
        if (url && type && *type == "audio/mpeg" &&
            (url->size() < 4 || url->compare(url->size() - 4, 4, ".mp3") != 0))
            c.add(who + ": the enclosure URL " + *url + " must end in .mp3 (Apple Podcasts goes by the extension)");
        if (url) {
            auto [it, fresh] = enclosures.emplace(*url, who);
            if (!fresh) c.add(who + " has the same enclosure URL as " + it->second + " (" + *url + ")");
            if (length) c.file(who, "enclosure", *url, length);
        }
    }

    if (auto d = one_text(c, who, item, kItunes, "duration"); d && !all_digits(*d))
        c.add(who + ": <itunes:duration> \"" + *d + "\" is not a whole number of seconds");

    if (auto links = children(item, nullptr, "link"); !links.empty()) {
        std::string url = trim(content(links.front()));
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            c.add(who + ": <link> \"" + url + "\" is not an http(s) address");
        else
            c.file(who, "story page", url, std::nullopt);
    }

    auto chapters = children(item, kPodcast, "chapters");
    if (chapters.size() > 1) c.add(who + " has " + std::to_string(chapters.size()) + " <podcast:chapters> elements; it may have one");
    if (!chapters.empty()) {
        xmlNodePtr ch = chapters.front();
        auto url = required_attr(c, who, ch, "chapters", kPodcast, "url");
        auto type = required_attr(c, who, ch, "chapters", kPodcast, "type");
        if (type && *type != "application/json+chapters")
            c.add(who + ": <podcast:chapters> type is \"" + *type + "\"; it must be application/json+chapters");
        if (url) {
            if (auto p = c.file(who, "chapters file", *url, std::nullopt))
                check_chapters_file(c, who, *p, c.local(who, "chapters file", *url)->generic_string());
        }
    }

    for (xmlNodePtr alt : children(item, kPodcast, "alternateEnclosure")) {
        required_attr(c, who, alt, "alternateEnclosure", kPodcast, "type");
        auto length = length_attr(c, who, alt, "alternateEnclosure", kPodcast);
        auto sources = children(alt, kPodcast, "source");
        if (sources.empty()) c.add(who + ": <podcast:alternateEnclosure> has no <podcast:source>");
        for (xmlNodePtr s : sources) {
            auto uri = required_attr(c, who, s, "source", kPodcast, "uri");
            if (uri && length) c.file(who, "alternate enclosure", *uri, length);
        }
    }

    for (xmlNodePtr p : children(item, kPodcast, "person")) {
        if (trim(content(p)).empty()) c.add(who + " has an empty <podcast:person>");
        if (auto role = prop(p, "role"); role && trim(*role).empty()) c.add(who + ": <podcast:person> has an empty role");
    }
}

void check_channel(Ctx& c, xmlDocPtr doc, xmlNodePtr root, xmlNodePtr channel) {
    const std::string who = "the channel";
    for (auto [href, prefix] : {std::pair{kItunes, "itunes"}, std::pair{kPodcast, "podcast"}, std::pair{kAtom, "atom"}})
        if (!xmlSearchNsByHref(doc, root, BAD_CAST href))
            c.add(std::string("feed.xml does not declare the ") + prefix + " namespace (" + href + ")");

    one_text(c, who, channel, nullptr, "title");
    if (auto d = one_text(c, who, channel, nullptr, "description"); d && d->size() > 4000)
        c.add("the channel's <description> is " + std::to_string(d->size()) + " bytes; Apple Podcasts takes at most 4000");
    if (auto link = one_text(c, who, channel, nullptr, "link")) {
        try {
            c.base = normalise_base_url(*link);
        } catch (const Error& e) {
            c.add(std::string("the channel's <link> is not usable as the base URL: ") + e.what());
        }
    }
    static const std::regex kLanguage("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");
    if (auto l = one_text(c, who, channel, nullptr, "language"); l && !std::regex_match(*l, kLanguage))
        c.add("the channel's <language> \"" + *l + "\" is not an ISO 639 language code such as en or en-us");
    if (auto d = one_text(c, who, channel, nullptr, "lastBuildDate"); d && !pt::parse_rfc2822(*d))
        c.add("the channel's <lastBuildDate> \"" + *d + "\" is not an RFC 2822 date");
    one_text(c, who, channel, nullptr, "generator");

    if (xmlNodePtr img = one(c, who, channel, kItunes, "image")) {
        if (auto href = required_attr(c, who, img, "image", kItunes, "href")) {
            if (auto p = c.file(who, "artwork", *href, std::nullopt)) {
                try {
                    check_artwork(*p);
                } catch (const Error& e) {
                    c.add(e.what());
                }
            } else if (!c.base.empty() && href->compare(0, c.base.size(), c.base) != 0) {
                c.add("the channel's <itunes:image> " + *href + " is not in the published folder, so it was not checked");
            }
        }
    }
    if (xmlNodePtr cat = one(c, who, channel, kItunes, "category")) {
        required_attr(c, who, cat, "category", kItunes, "text");
        for (xmlNodePtr sub : children(cat, kItunes, "category")) required_attr(c, who, sub, "category", kItunes, "text");
    }
    if (auto e = one_text(c, who, channel, kItunes, "explicit"); e && *e != "true" && *e != "false")
        c.add("the channel's <itunes:explicit> is \"" + *e + "\"; it must be true or false");
    one_text(c, who, channel, kItunes, "author");
    if (xmlNodePtr owner = one(c, who, channel, kItunes, "owner")) {
        one_text(c, "the channel's <itunes:owner>", owner, kItunes, "name");
        one_text(c, "the channel's <itunes:owner>", owner, kItunes, "email");
    }
    if (auto t = one_text(c, who, channel, kItunes, "type"); t && *t != "episodic" && *t != "serial")
        c.add("the channel's <itunes:type> is \"" + *t + "\"; it must be episodic or serial");

    std::optional<std::string> self;
    for (xmlNodePtr l : children(channel, kAtom, "link"))
        if (prop(l, "rel").value_or("") == "self") self = prop(l, "href").value_or("");
    if (!self) {
        c.add("the channel has no <atom:link rel=\"self\"> giving the feed's own address");
    } else {
        for (xmlNodePtr l : children(channel, kAtom, "link"))
            if (prop(l, "rel").value_or("") == "self" && prop(l, "type").value_or("") != "application/rss+xml")
                c.add("the channel's <atom:link rel=\"self\"> must have type=\"application/rss+xml\"");
        if (!c.base.empty() && *self != c.base + kFeedFileName)
            c.add("the channel's <atom:link rel=\"self\"> is " + *self + ", but the feed is served at " + c.base +
                  kFeedFileName);
    }
    if (auto g = one_text(c, who, channel, kPodcast, "guid"); g && self) {
        std::string want = podcast_guid(*self);
        if (*g != want)
            c.add("the channel's <podcast:guid> is " + *g + ", but the one for " + *self + " is " + want);
    }
    if (auto l = one_text(c, who, channel, kPodcast, "locked")) {
        if (*l != "yes" && *l != "no") c.add("the channel's <podcast:locked> is \"" + *l + "\"; it must be yes or no");
        auto locked = children(channel, kPodcast, "locked");
        required_attr(c, who, locked.front(), "locked", kPodcast, "owner");
    }
}

}  // namespace

std::vector<std::string> check_feed_folder(const fs::path& dir) {
    Ctx c;
    c.dir = dir;
    const fs::path feed = dir / kFeedFileName;
    std::error_code ec;
    if (!fs::is_regular_file(feed, ec)) return {"feed.xml is missing from " + dir.string()};

    static const bool initialised = (xmlInitParser(), true);  // once, before any parse
    (void)initialised;
    std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> parser(xmlNewParserCtxt(), xmlFreeParserCtxt);
    if (!parser) throw Error("libxml2 could not start a parser for " + feed.string());
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
        xmlCtxtReadFile(parser.get(), feed.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
        xmlFreeDoc);
    if (!doc) {
        std::string why = "it cannot be read";
        if (xmlErrorPtr e = xmlCtxtGetLastError(parser.get()); e && e->message)
            why = "line " + std::to_string(e->line) + ": " + trim(e->message);
        return {"feed.xml is not well-formed XML (" + why + ")"};
    }
    if (!parser->nsWellFormed) {
        std::string why;
        if (xmlErrorPtr e = xmlCtxtGetLastError(parser.get()); e && e->message)
            why = " (line " + std::to_string(e->line) + ": " + trim(e->message) + ")";
        c.add("feed.xml uses a namespace prefix it does not declare" + why);
    }

    xmlNodePtr root = xmlDocGetRootElement(doc.get());
    if (!root || !named(root, nullptr, "rss")) return {"feed.xml is not an RSS feed (its root element is not <rss>)"};
    if (prop(root, "version").value_or("") != "2.0") c.add("feed.xml's <rss> does not say version=\"2.0\"");
    auto channels = children(root, nullptr, "channel");
    if (channels.size() != 1) {
        c.add("feed.xml must have exactly one <channel>; it has " + std::to_string(channels.size()));
        if (channels.empty()) return c.problems;
    }
    xmlNodePtr channel = channels.front();
    check_channel(c, doc.get(), root, channel);

    std::map<std::string, std::string> guids, enclosures;
    std::size_t index = 0;
    for (xmlNodePtr item : children(channel, nullptr, "item")) check_item(c, item, index++, guids, enclosures);
    return c.problems;
}

}  // namespace sb::storysync
