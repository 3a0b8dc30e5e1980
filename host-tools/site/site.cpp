// The static site's pages, built as strings (see site.hpp). The markup is written by hand
// here rather than through a template engine: there are two pages, and keeping every byte of
// story text behind one escaping function is easier to check when it is all in one file.
#include "site/site.hpp"

#include "common/error.hpp"
#include "common/utf8.hpp"
#include "site/assets.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <string_view>

namespace sb::storysync {

namespace {

// ---- the pages' own words, in English and Spanish (the booth's two languages) ----

struct Words {
    const char* skip_index;
    const char* skip_story;
    const char* default_title;
    const char* untitled;
    const char* search_label;
    const char* search_hint;
    const char* count_one;
    const char* count_many;   // {n}
    const char* shown;        // {n} of {total}
    const char* none;
    const char* empty;
    const char* with;
    const char* listen;
    const char* listen_to;
    const char* no_audio;
    const char* chapters;
    const char* chapters_hint;
    const char* about;
    const char* people;
    const char* keywords;
    const char* duration;
    const char* recorded;
    const char* code;
    const char* download;
    const char* mp3;
    const char* opus;
    const char* all_stories;
    const char* feed;
    const char* unlisted;
    const char* interviewer;
    const char* storyteller;
    const char* date_format;  // {d} {month} {y}
    std::array<const char*, 12> months;
    char decimal;
};

constexpr Words english{
    "Skip to the stories",
    "Skip to the story",
    "Stories",
    "Untitled story",
    "Search stories",
    "Titles, names and keywords",
    "1 story",
    "{n} stories",
    "{n} of {total} stories match.",
    "No story matches your search.",
    "No stories have been published yet.",
    "With",
    "Listen",
    "Listen to: ",
    "Your browser cannot play this recording here. Download it below.",
    "Chapters",
    "Choose a chapter to play the story from there.",
    "About this story",
    "People",
    "Keywords",
    "Duration",
    "Recorded",
    "Story code",
    "Download",
    "MP3 audio",
    "Opus audio",
    "All stories",
    "Podcast feed (RSS)",
    "This page is unlisted: it appears in no list or feed, and only people given its address can find it.",
    "interviewer",
    "storyteller",
    "{d} {month} {y}",
    {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"},
    '.',
};

constexpr Words spanish{
    "Saltar a las historias",
    "Saltar a la historia",
    "Historias",
    "Historia sin título",
    "Buscar historias",
    "Títulos, nombres y palabras clave",
    "1 historia",
    "{n} historias",
    "{n} de {total} historias coinciden.",
    "Ninguna historia coincide con la búsqueda.",
    "Todavía no se ha publicado ninguna historia.",
    "Con",
    "Escuchar",
    "Escuchar: ",
    "Su navegador no puede reproducir esta grabación aquí. Descárguela más abajo.",
    "Capítulos",
    "Elija un capítulo para escuchar la historia desde ahí.",
    "Sobre esta historia",
    "Personas",
    "Palabras clave",
    "Duración",
    "Grabada el",
    "Código de la historia",
    "Descargar",
    "Audio MP3",
    "Audio Opus",
    "Todas las historias",
    "Feed del pódcast (RSS)",
    "Esta página no aparece en ninguna lista ni en el feed: solo la encuentra quien recibió su dirección.",
    "entrevista",
    "narra",
    "{d} de {month} de {y}",
    {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
     "noviembre", "diciembre"},
    ',',
};

const Words& words_for(const std::string& language) {
    if (language.size() >= 2 && (language[0] == 'e' || language[0] == 'E') && (language[1] == 's' || language[1] == 'S') &&
        (language.size() == 2 || language[2] == '-' || language[2] == '_'))
        return spanish;
    return english;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// ---- text ----


// Decodes UTF-8 into code points; a byte that does not start a valid, shortest-form sequence
// becomes U+FFFD. Carriage returns are dropped (CR LF and lone CR both end a line as LF).
std::u32string decode(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const auto decoded = decode_utf8(text, i);
        if (!decoded) {
            out += U'\uFFFD';
            continue;
        }
        char32_t c = *decoded;
        if (c == '\r') {
            if (i < n && text[i] == '\n') continue;
            c = '\n';
        }
        out += c;
    }
    return out;
}

// Text as valid UTF-8 with nothing HTML forbids: controls other than tab and line feed
// become U+FFFD, CR LF becomes LF.
std::string clean(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : decode(text)) {
        if ((c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7F && c <= 0x9F)) c = U'\uFFFD';
        append_utf8(out, c);
    }
    return out;
}

// Escapes for HTML text and for double-quoted attribute values alike.
std::string esc(std::string_view text) {
    const std::string safe = clean(text);
    std::string out;
    out.reserve(safe.size() + 16);
    for (char c : safe) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// Collapses runs of white space (line breaks included) to one space and trims the ends.
std::string one_line(std::string_view text) {
    std::string out;
    bool space = false;
    for (char c : clean(text)) {
        if (c == ' ' || c == '\t' || c == '\n') {
            space = !out.empty();
        } else {
            if (space) out += ' ';
            space = false;
            out += c;
        }
    }
    return out;
}

// At most `limit` characters of the text on one line, cut at a space where there is one,
// with an ellipsis when anything was cut.
std::string excerpt(std::string_view text, std::size_t limit) {
    const std::u32string chars = decode(one_line(text));
    if (chars.size() <= limit) return one_line(text);
    std::size_t cut = limit;
    for (std::size_t i = limit; i > limit / 2; --i) {
        if (chars[i] == U' ') {
            cut = i;
            break;
        }
    }
    std::string out;
    for (std::size_t i = 0; i < cut; ++i) append_utf8(out, chars[i]);
    while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == '.')) out.pop_back();
    return out + "…";
}

// A BCP 47-looking language tag ("es", "es-MX", "zh-Hant"), or "" for anything else.
std::string language_tag(const std::string& tag) {
    if (tag.empty() || tag.size() > 35) return "";
    std::size_t part = 0;
    for (std::size_t i = 0; i <= tag.size(); ++i) {
        if (i == tag.size() || tag[i] == '-') {
            if (part == 0 || part > 8) return "";
            part = 0;
        } else {
            const char c = tag[i];
            const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            const bool digit = c >= '0' && c <= '9';
            if (!alpha && !(digit && i > 0 && tag.find('-') < i)) return "";
            ++part;
        }
    }
    return tag;
}

std::string lang_attr(const std::string& tag) {
    const std::string t = language_tag(tag);
    return t.empty() ? "" : " lang=\"" + t + "\"";
}

// ---- paths ----

// Splits a relative path into its segments, refusing anything that could leave the site's
// folder or be read as something other than a path.
std::vector<std::string> segments(const std::string& path, const std::string& what) {
    auto bad = [&](const std::string& why) {
        return sb::Error("the site's " + what + " \"" + clean(path) + "\" " + why);
    };
    if (path.empty()) throw bad("is empty");
    if (path.front() == '/') throw bad("must be relative to the site's folder, not start with '/'");
    if (path.find('\\') != std::string::npos) throw bad("must use '/' between folders, not '\\'");
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string::npos ? path.size() : slash;
        const std::string part = path.substr(start, end - start);
        if (part.empty()) throw bad("must not contain '//'");
        if (part == "." || part == "..") throw bad("must not contain '.' or '..' folders");
        out.push_back(part);
        start = end + 1;
    }
    return out;
}

// A page's folder ("stories/<id>/"): returns how many folders deep it is.
std::size_t folder_depth(const std::string& path) {
    if (path.empty() || path.back() != '/')
        throw sb::Error("the site's page path \"" + clean(path) + "\" must be a folder ending in '/'");
    return segments(path, "page path").size();
}

// A file inside the site (audio, feed, artwork), percent-encoded for use in a link.
std::string file_href(const std::string& path, const std::string& what) {
    if (!path.empty() && path.back() == '/')
        throw sb::Error("the site's " + what + " \"" + clean(path) + "\" must name a file, not a folder");
    std::string out;
    bool first = true;
    for (const std::string& part : segments(path, what)) {
        if (!first) out += '/';
        first = false;
        for (unsigned char c : part) {
            const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                               c == '_' || c == '.' || c == '~';
            if (plain) {
                out += static_cast<char>(c);
            } else {
                char hex[4];
                std::snprintf(hex, sizeof hex, "%%%02X", c);
                out += hex;
            }
        }
    }
    return out;
}

std::string folder_href(const std::string& folder) {
    return file_href(folder.substr(0, folder.size() - 1), "page path") + "/";
}

std::string up(std::size_t depth) {
    std::string out;
    for (std::size_t i = 0; i < depth; ++i) out += "../";
    return out;
}

// ---- figures ----

std::string two(long v) {
    char b[8];
    std::snprintf(b, sizeof b, "%02ld", v);
    return b;
}

// A chapter's start: m:ss, or h:mm:ss from an hour on.
std::string clock_time(std::int64_t ms) {
    if (ms < 0) ms = 0;
    const long s = static_cast<long>(ms / 1000);
    if (s >= 3600) return std::to_string(s / 3600) + ":" + two((s / 60) % 60) + ":" + two(s % 60);
    return std::to_string(s / 60) + ":" + two(s % 60);
}

// "1 h 05 min", "23 min 5 s", "45 s" (rounded to the second).
std::string spoken_duration(std::int64_t ms) {
    if (ms < 0) ms = 0;
    const long s = static_cast<long>((ms + 500) / 1000);
    if (s >= 3600) return std::to_string(s / 3600) + " h " + two((s / 60) % 60) + " min";
    if (s >= 60) return std::to_string(s / 60) + " min" + (s % 60 ? " " + std::to_string(s % 60) + " s" : "");
    return std::to_string(s) + " s";
}

// The same as an ISO 8601 duration for <time datetime>.
std::string iso_duration(std::int64_t ms) {
    if (ms < 0) ms = 0;
    const long s = static_cast<long>((ms + 500) / 1000);
    std::string out = "PT";
    if (s >= 3600) out += std::to_string(s / 3600) + "H";
    if (s >= 60) out += std::to_string((s / 60) % 60) + "M";
    return out + std::to_string(s % 60) + "S";
}

std::string seconds_attr(std::int64_t ms) {
    if (ms < 0) ms = 0;
    char b[32];
    std::snprintf(b, sizeof b, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
    return b;
}

// "4.2 MB", "880 kB" (decimal units, as file managers show them).
std::string file_size(std::uint64_t bytes, const Words& w) {
    static constexpr const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
    if (bytes < 1000) return std::to_string(bytes) + " " + units[0];
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    char b[32];
    std::snprintf(b, sizeof b, v < 10 ? "%.1f" : "%.0f", v);
    std::string text = b;
    for (char& c : text)
        if (c == '.') c = w.decimal;
    return text + " " + units[u];
}

struct Date {
    std::string iso;   // YYYY-MM-DD, or "" when created_at did not start with one
    std::string shown; // in the pages' language, or created_at as given
};

Date story_date(const std::string& created_at, const Words& w) {
    auto digits = [&](std::size_t from, std::size_t count) {
        for (std::size_t i = from; i < from + count; ++i)
            if (i >= created_at.size() || created_at[i] < '0' || created_at[i] > '9') return false;
        return true;
    };
    if (!digits(0, 4) || created_at.size() < 10 || created_at[4] != '-' || !digits(5, 2) || created_at[7] != '-' ||
        !digits(8, 2))
        return {"", one_line(created_at)};
    const int month = std::stoi(created_at.substr(5, 2));
    const int day = std::stoi(created_at.substr(8, 2));
    if (month < 1 || month > 12 || day < 1 || day > 31) return {"", one_line(created_at)};
    std::string shown = w.date_format;
    shown = replace_all(shown, "{d}", std::to_string(day));
    shown = replace_all(shown, "{month}", w.months[static_cast<std::size_t>(month - 1)]);
    shown = replace_all(shown, "{y}", created_at.substr(0, 4));
    return {created_at.substr(0, 10), shown};
}

std::string story_title(const sb::Story& s, const Words& w) {
    const std::string t = one_line(s.title);
    return t.empty() ? w.untitled : t;
}

// ---- JSON inside a <script> element ----

// Valid JSON that cannot end the element or open a comment in it: '<', '>' and '&' are
// written as \u escapes (they only ever occur inside strings), and so are U+2028 and U+2029,
// which older JavaScript parsers read as line ends.
std::string script_json(const nlohmann::json& value) {
    const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '<') out += "\\u003c";
        else if (c == '>') out += "\\u003e";
        else if (c == '&') out += "\\u0026";
        else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' && (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
            out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// ---- shared parts of both pages ----

// Nothing may be fetched from anywhere but the site itself; no inline script or style runs.
// (The search data is a JSON block, which is never executed, so it needs no allowance.)
constexpr const char* content_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "base-uri 'none'; form-action 'none'";

std::string head(const SiteInfo& info, const std::string& title, const std::string& description, std::size_t depth,
                 bool secret) {
    const std::string root = up(depth);
    std::string h;
    h += "<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + std::string(content_policy) + "\">\n";
    h += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    if (secret) h += "<meta name=\"robots\" content=\"noindex, nofollow\">\n";
    h += "<title>" + esc(title) + "</title>\n";
    if (!description.empty()) h += "<meta name=\"description\" content=\"" + esc(description) + "\">\n";
    h += "<link rel=\"stylesheet\" href=\"" + root + "assets/site.css\">\n";
    if (!info.feed.empty() && !secret)
        h += "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"" + esc(one_line(info.title)) + "\" href=\"" +
             root + esc(file_href(info.feed, "feed path")) + "\">\n";
    h += "<script src=\"" + root + "assets/site.js\" defer></script>\n";
    h += "</head>\n";
    return h;
}

std::string artwork(const SiteInfo& info, std::size_t depth) {
    if (info.image.empty()) return "";
    return "<img class=\"art\" src=\"" + up(depth) + esc(file_href(info.image, "artwork path")) +
           "\" alt=\"\" width=\"64\" height=\"64\">\n";
}

std::string footer(const SiteInfo& info, const Words& w, std::size_t depth, bool story_page, bool secret) {
    std::string f = "<footer class=\"site-footer\">\n<div class=\"wrap\">\n";
    if (secret) f += "<p class=\"unlisted\">" + esc(w.unlisted) + "</p>\n";
    f += "<ul class=\"footer-links\">\n";
    if (story_page) f += "<li><a href=\"" + up(depth) + "index.html\">" + esc(w.all_stories) + "</a></li>\n";
    if (!info.feed.empty())
        f += "<li><a href=\"" + up(depth) + esc(file_href(info.feed, "feed path")) +
             "\" type=\"application/rss+xml\">" + esc(w.feed) + "</a></li>\n";
    f += "</ul>\n</div>\n</footer>\n";
    return f;
}

std::string site_name(const SiteInfo& info, const Words& w) {
    const std::string t = one_line(info.title);
    return t.empty() ? w.default_title : t;
}

std::string role_name(const std::string& role, const Words& w) {
    if (role == "interviewer") return w.interviewer;
    if (role == "storyteller") return w.storyteller;
    return one_line(role);
}

std::string count_text(std::size_t n, const Words& w) {
    return n == 1 ? std::string(w.count_one) : replace_all(w.count_many, "{n}", std::to_string(n));
}

}  // namespace

// ---- the index ----

std::string index_html(const SiteInfo& info, const std::vector<SitePage>& listed) {
    const Words& w = words_for(info.language);
    const std::string name = site_name(info, w);
    const std::string page_lang = language_tag(info.language).empty() ? "en" : language_tag(info.language);

    std::string html = "<!doctype html>\n<html lang=\"" + page_lang + "\">\n";
    html += head(info, name, excerpt(info.description, 160), 0, false);
    html += "<body class=\"index\">\n";
    html += "<a class=\"skip\" href=\"#main\">" + esc(w.skip_index) + "</a>\n";
    html += "<header class=\"masthead\">\n<div class=\"wrap masthead-inner\">\n" + artwork(info, 0) + "<div>\n";
    html += "<h1 class=\"site-title\" dir=\"auto\">" + esc(name) + "</h1>\n";
    if (!one_line(info.description).empty())
        html += "<p class=\"site-description\" dir=\"auto\">" + esc(info.description) + "</p>\n";
    html += "</div>\n</div>\n</header>\n";

    html += "<main id=\"main\" class=\"wrap\" tabindex=\"-1\">\n";
    // The search form is shown by site.js: without scripts it could do nothing, and the
    // whole list below is the page.
    html += "<form class=\"search\" role=\"search\" id=\"search\" hidden>\n";
    html += "<label for=\"q\">" + esc(w.search_label) + "</label>\n";
    html += "<p class=\"hint\" id=\"q-hint\">" + esc(w.search_hint) + "</p>\n";
    html += "<input id=\"q\" name=\"q\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" aria-describedby=\"q-hint\">\n";
    html += "</form>\n";
    html += "<p class=\"status\" id=\"search-status\" role=\"status\" data-one=\"" + esc(w.count_one) + "\" data-many=\"" +
            esc(w.count_many) + "\" data-shown=\"" + esc(w.shown) + "\" data-none=\"" + esc(w.none) + "\">" +
            esc(listed.empty() ? std::string(w.empty) : count_text(listed.size(), w)) + "</p>\n";

    nlohmann::json search = nlohmann::json::array();
    if (!listed.empty()) html += "<ol class=\"stories\" id=\"stories\">\n";
    for (std::size_t i = 0; i < listed.size(); ++i) {
        const SitePage& p = listed[i];
        if (p.secret)
            throw sb::Error("the site's index cannot list the secret page \"" + clean(p.path) + "\"");
        folder_depth(p.path);
        const sb::Story& s = p.story;
        const std::string lang = lang_attr(s.language);
        const Date date = story_date(s.created_at, w);

        html += "<li class=\"story-card\" data-index=\"" + std::to_string(i) + "\">\n";
        html += "<h2" + lang + " dir=\"auto\"><a href=\"" + esc(folder_href(p.path)) + "index.html\">" +
                esc(story_title(s, w)) + "</a></h2>\n";
        html += "<p class=\"meta\">";
        bool sep = false;
        if (!date.shown.empty()) {
            html += date.iso.empty() ? esc(date.shown)
                                     : "<time datetime=\"" + date.iso + "\">" + esc(date.shown) + "</time>";
            sep = true;
        }
        if (s.duration_ms) {
            html += std::string(sep ? " · " : "") + "<time datetime=\"" + iso_duration(*s.duration_ms) + "\">" +
                    esc(spoken_duration(*s.duration_ms)) + "</time>";
        }
        html += "</p>\n";
        nlohmann::json names = nlohmann::json::array();
        if (!s.participants.empty()) {
            html += "<p class=\"with\">" + esc(w.with) + " ";
            for (std::size_t k = 0; k < s.participants.size(); ++k) {
                const std::string person = one_line(s.participants[k].name);
                names.push_back(person);
                if (k) html += ", ";
                html += "<span class=\"name\" dir=\"auto\">" + esc(person) + "</span>";
            }
            html += "</p>\n";
        }
        const std::string summary = excerpt(s.description, 220);
        if (!summary.empty()) html += "<p class=\"summary\"" + lang + " dir=\"auto\">" + esc(summary) + "</p>\n";
        nlohmann::json keywords = nlohmann::json::array();
        if (!s.keywords.empty()) {
            html += "<ul class=\"keywords\" aria-label=\"" + esc(w.keywords) + "\"" + lang + ">";
            for (const std::string& k : s.keywords) {
                keywords.push_back(one_line(k));
                html += "<li dir=\"auto\">" + esc(one_line(k)) + "</li>";
            }
            html += "</ul>\n";
        }
        html += "</li>\n";
        search.push_back({{"t", story_title(s, w)}, {"p", names}, {"k", keywords}});
    }
    if (!listed.empty()) html += "</ol>\n";
    html += "</main>\n";
    html += footer(info, w, 0, false, false);
    if (!listed.empty())
        html += "<script type=\"application/json\" id=\"search-data\">" + script_json(search) + "</script>\n";
    html += "</body>\n</html>\n";
    return html;
}

// ---- a story's page ----

std::string story_html(const SiteInfo& info, const SitePage& page) {
    const Words& w = words_for(info.language);
    const std::size_t depth = folder_depth(page.path);
    const std::string root = up(depth);
    const sb::Story& s = page.story;
    const std::string title = story_title(s, w);
    const std::string lang = lang_attr(s.language);
    const std::string page_lang = language_tag(info.language).empty() ? "en" : language_tag(info.language);
    const Date date = story_date(s.created_at, w);

    std::string html = "<!doctype html>\n<html lang=\"" + page_lang + "\">\n";
    html += head(info, title + " — " + site_name(info, w), excerpt(s.description, 160), depth, page.secret);
    html += std::string("<body class=\"story-page") + (page.secret ? " unlisted-page" : "") + "\">\n";
    html += "<a class=\"skip\" href=\"#main\">" + esc(w.skip_story) + "</a>\n";
    html += "<header class=\"masthead\">\n<div class=\"wrap masthead-inner\">\n" + artwork(info, depth);
    html += "<p class=\"site-title\"><a href=\"" + root + "index.html\" dir=\"auto\">" + esc(site_name(info, w)) +
            "</a></p>\n";
    html += "</div>\n</header>\n";

    html += "<main id=\"main\" class=\"wrap\" tabindex=\"-1\">\n<article class=\"story\" aria-labelledby=\"story-title\">\n";
    html += "<h1 id=\"story-title\"" + lang + " dir=\"auto\">" + esc(title) + "</h1>\n";
    html += "<p class=\"meta\">";
    bool sep = false;
    if (!date.shown.empty()) {
        html += esc(w.recorded) + " " +
                (date.iso.empty() ? esc(date.shown) : "<time datetime=\"" + date.iso + "\">" + esc(date.shown) + "</time>");
        sep = true;
    }
    if (s.duration_ms)
        html += std::string(sep ? " · " : "") + "<time datetime=\"" + iso_duration(*s.duration_ms) + "\">" +
                esc(spoken_duration(*s.duration_ms)) + "</time>";
    html += "</p>\n";

    // The player and its chapters.
    const bool has_audio = !page.mp3.empty() || !page.opus.empty();
    if (has_audio || !s.markers.empty()) {
        html += "<section class=\"listen\" aria-labelledby=\"listen-title\">\n";
        html += "<h2 id=\"listen-title\">" + esc(w.listen) + "</h2>\n";
        if (has_audio) {
            html += "<audio id=\"player\" controls preload=\"metadata\" aria-label=\"" + esc(w.listen_to + title) + "\">\n";
            if (!page.opus.empty())
                html += "<source src=\"" + root + esc(file_href(page.opus, "Opus audio path")) +
                        "\" type=\"audio/ogg; codecs=opus\">\n";
            if (!page.mp3.empty())
                html += "<source src=\"" + root + esc(file_href(page.mp3, "MP3 audio path")) + "\" type=\"audio/mpeg\">\n";
            html += "<p>" + esc(w.no_audio) + "</p>\n</audio>\n";
        }
        if (!s.markers.empty()) {
            html += "<h3 id=\"chapters-title\">" + esc(w.chapters) + "</h3>\n";
            if (has_audio) html += "<p class=\"hint\" id=\"chapters-hint\">" + esc(w.chapters_hint) + "</p>\n";
            html += "<ol class=\"chapters\" aria-labelledby=\"chapters-title\">\n";
            for (const sb::Marker& m : s.markers) {
                const std::string text = one_line(m.text);
                html += "<li>";
                if (has_audio) html += "<button type=\"button\" class=\"chapter\" data-start=\"" + seconds_attr(m.offset_ms) + "\">";
                else html += "<span class=\"chapter\">";
                html += "<span class=\"time\">" + clock_time(m.offset_ms) + "</span> <span class=\"chapter-text\"" + lang +
                        " dir=\"auto\">" + esc(text) + "</span>";
                html += has_audio ? "</button>" : "</span>";
                html += "</li>\n";
            }
            html += "</ol>\n";
        }
        html += "</section>\n";
    }

    // What it is and who is in it.
    html += "<section class=\"about\" aria-labelledby=\"about-title\">\n";
    html += "<h2 id=\"about-title\">" + esc(w.about) + "</h2>\n";
    std::string description = clean(s.description);
    std::size_t start = 0;
    html += "<div class=\"description\"" + lang + " dir=\"auto\">\n";
    while (start <= description.size()) {
        std::size_t end = description.find("\n\n", start);
        if (end == std::string::npos) end = description.size();
        std::string para = description.substr(start, end - start);
        while (!para.empty() && (para.front() == '\n' || para.front() == ' ')) para.erase(0, 1);
        while (!para.empty() && (para.back() == '\n' || para.back() == ' ')) para.pop_back();
        if (!para.empty()) html += "<p dir=\"auto\">" + esc(para) + "</p>\n";
        start = end + 2;
    }
    html += "</div>\n";

    if (!s.participants.empty()) {
        html += "<h3 id=\"people-title\">" + esc(w.people) + "</h3>\n<ul class=\"people\" aria-labelledby=\"people-title\">\n";
        for (const sb::Participant& p : s.participants) {
            html += "<li><span class=\"name\" dir=\"auto\">" + esc(one_line(p.name)) + "</span>";
            std::string about = role_name(p.role, w);
            const std::string relation = one_line(p.relationship);
            if (!about.empty() || !relation.empty()) {
                html += " <span class=\"role\">(" + esc(about);
                if (!about.empty() && !relation.empty()) html += ", ";
                if (!relation.empty()) html += "<span dir=\"auto\">" + esc(relation) + "</span>";
                html += ")</span>";
            }
            html += "</li>\n";
        }
        html += "</ul>\n";
    }
    if (!s.keywords.empty()) {
        html += "<h3 id=\"keywords-title\">" + esc(w.keywords) + "</h3>\n<ul class=\"keywords\" aria-labelledby=\"keywords-title\"" +
                lang + ">\n";
        for (const std::string& k : s.keywords) html += "<li dir=\"auto\">" + esc(one_line(k)) + "</li>\n";
        html += "</ul>\n";
    }
    html += "<dl class=\"facts\">\n";
    if (s.duration_ms)
        html += "<dt>" + esc(w.duration) + "</dt><dd><time datetime=\"" + iso_duration(*s.duration_ms) + "\">" +
                esc(spoken_duration(*s.duration_ms)) + "</time></dd>\n";
    if (!date.shown.empty())
        html += "<dt>" + esc(w.recorded) + "</dt><dd>" +
                (date.iso.empty() ? esc(date.shown) : "<time datetime=\"" + date.iso + "\">" + esc(date.shown) + "</time>") +
                "</dd>\n";
    if (!one_line(s.code).empty()) html += "<dt>" + esc(w.code) + "</dt><dd>" + esc(one_line(s.code)) + "</dd>\n";
    html += "</dl>\n</section>\n";

    if (has_audio) {
        html += "<section class=\"downloads\" aria-labelledby=\"download-title\">\n";
        html += "<h2 id=\"download-title\">" + esc(w.download) + "</h2>\n<ul>\n";
        auto link = [&](const std::string& path, std::uint64_t bytes, const char* label, const char* type,
                        const std::string& what) {
            if (path.empty()) return;
            html += "<li><a href=\"" + root + esc(file_href(path, what)) + "\" type=\"" + type + "\" download>" + esc(label) +
                    "</a>";
            if (bytes) html += " <span class=\"size\">" + esc(file_size(bytes, w)) + "</span>";
            html += "</li>\n";
        };
        link(page.mp3, page.mp3_bytes, w.mp3, "audio/mpeg", "MP3 audio path");
        link(page.opus, page.opus_bytes, w.opus, "audio/ogg", "Opus audio path");
        html += "</ul>\n</section>\n";
    }
    html += "</article>\n</main>\n";
    html += footer(info, w, depth, true, page.secret);
    html += "</body>\n</html>\n";
    return html;
}

std::string site_css() { return std::string(assets::site_css); }
std::string site_js() { return std::string(assets::site_js); }

}  // namespace sb::storysync
