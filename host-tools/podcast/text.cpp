#include "podcast/text.hpp"

#include "common/utf8.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace sb::storysync::podcast_text {

namespace {

bool xml_char(long cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// Reads exactly n digits at s[pos].
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
        char c = s[pos + k];
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

std::optional<std::int64_t> to_unix(int y, int mo, int d, int h, int mi, int sec) {
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    std::int64_t days = sys_days{ymd}.time_since_epoch().count();
    return days * 86400 + h * 3600 + mi * 60 + sec;
}

}  // namespace

std::string xml_safe(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t start = i;
        const auto decoded = sb::decode_utf8(s, i);
        const long cp = decoded ? static_cast<long>(*decoded) : -1;
        if (cp < 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
        } else if (xml_char(cp)) {
            out.append(s.substr(start, i - start));
        }
    }
    return out;
}

namespace {

// XML escaping; `attr` also escapes quotes and the white space an attribute value would fold.
std::string escape(std::string_view s, bool attr) {
    std::string out;
    for (char c : xml_safe(s)) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\r': out += "&#13;"; break;
            case '"': out += attr ? "&quot;" : "\""; break;
            case '\'': out += attr ? "&apos;" : "'"; break;
            case '\t': out += attr ? "&#9;" : "\t"; break;
            case '\n': out += attr ? "&#10;" : "\n"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

std::string escape_text(std::string_view s) { return escape(s, false); }

std::string escape_attr(std::string_view s) { return escape(s, true); }

std::string truncate_utf8(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return std::string(s);
    std::size_t end = max_bytes;
    // Step back over continuation bytes to the start of the character that would be cut.
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return std::string(s.substr(0, end));
}

std::string encode_path(std::string_view rel) {
    std::string out;
    for (char ch : rel) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += ch;
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

std::optional<std::string> decode_path(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
            return std::nullopt;
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
    }
    return out;
}

std::optional<std::int64_t> parse_iso8601(std::string_view s) {
    std::size_t p = 0;
    auto y = digits(s, p, 4);
    if (!y || !expect(s, p, '-')) return std::nullopt;
    auto mo = digits(s, p, 2);
    if (!mo || !expect(s, p, '-')) return std::nullopt;
    auto d = digits(s, p, 2);
    if (!d || !(expect(s, p, 'T') || expect(s, p, 't') || expect(s, p, ' '))) return std::nullopt;
    auto h = digits(s, p, 2);
    if (!h || !expect(s, p, ':')) return std::nullopt;
    auto mi = digits(s, p, 2);
    if (!mi || !expect(s, p, ':')) return std::nullopt;
    auto sec = digits(s, p, 2);
    if (!sec) return std::nullopt;
    if (expect(s, p, '.') || expect(s, p, ',')) {
        std::size_t start = p;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
        if (p == start) return std::nullopt;
    }
    int offset = 0;
    if (expect(s, p, 'Z') || expect(s, p, 'z')) {
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p] == '-' ? -1 : 1;
        ++p;
        auto oh = digits(s, p, 2);
        if (!oh) return std::nullopt;
        expect(s, p, ':');
        auto om = digits(s, p, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = sign * (*oh * 3600 + *om * 60);
    } else {
        return std::nullopt;  // a time without a zone is not a point in time
    }
    if (p != s.size()) return std::nullopt;
    auto t = to_unix(*y, *mo, *d, *h, *mi, *sec);
    if (!t) return std::nullopt;
    return *t - offset;
}

std::optional<std::int64_t> parse_rfc2822(std::string_view s) {
    std::size_t p = 0;
    auto skip_ws = [&] {
        while (p < s.size() && (s[p] == ' ' || s[p] == '\t')) ++p;
    };
    auto word = [&] {
        std::size_t start = p;
        while (p < s.size() && std::isalpha(static_cast<unsigned char>(s[p]))) ++p;
        return std::string(s.substr(start, p - start));
    };
    skip_ws();
    int weekday = -1;
    if (p < s.size() && std::isalpha(static_cast<unsigned char>(s[p]))) {
        std::string w = word();
        for (std::size_t k = 0; k < kDays.size(); ++k)
            if (w == kDays[k]) weekday = static_cast<int>(k);
        if (weekday < 0 || !expect(s, p, ',')) return std::nullopt;
        skip_ws();
    }
    std::size_t dstart = p;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    if (p == dstart || p - dstart > 2) return std::nullopt;
    int d = std::stoi(std::string(s.substr(dstart, p - dstart)));
    skip_ws();
    std::string mname = word();
    int mo = 0;
    for (std::size_t k = 0; k < kMonths.size(); ++k)
        if (mname == kMonths[k]) mo = static_cast<int>(k) + 1;
    if (mo == 0) return std::nullopt;
    skip_ws();
    auto y = digits(s, p, 4);
    if (!y) return std::nullopt;
    skip_ws();
    auto h = digits(s, p, 2);
    if (!h || !expect(s, p, ':')) return std::nullopt;
    auto mi = digits(s, p, 2);
    if (!mi) return std::nullopt;
    int sec = 0;
    if (expect(s, p, ':')) {
        auto v = digits(s, p, 2);
        if (!v) return std::nullopt;
        sec = *v;
    }
    skip_ws();
    int offset = 0;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p] == '-' ? -1 : 1;
        ++p;
        auto oh = digits(s, p, 2);
        auto om = oh ? digits(s, p, 2) : std::nullopt;
        if (!om || *om > 59) return std::nullopt;
        offset = sign * (*oh * 3600 + *om * 60);
    } else {
        std::string z = word();
        if (z != "GMT" && z != "UT" && z != "UTC") return std::nullopt;
    }
    skip_ws();
    if (p != s.size()) return std::nullopt;
    auto t = to_unix(*y, mo, d, *h, *mi, sec);
    if (!t) return std::nullopt;
    if (weekday >= 0) {
        using namespace std::chrono;
        year_month_day ymd{year{*y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
        if (static_cast<int>(std::chrono::weekday{sys_days{ymd}}.c_encoding()) != weekday) return std::nullopt;
    }
    return *t - offset;
}

std::string format_rfc2822(std::int64_t unix_seconds) {
    using namespace std::chrono;
    std::int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : -((-unix_seconds + 86399) / 86400);
    std::int64_t rem = unix_seconds - days * 86400;
    sys_days sd{std::chrono::days{days}};
    year_month_day ymd{sd};
    unsigned wd = weekday{sd}.c_encoding();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", kDays[wd], static_cast<unsigned>(ymd.day()),
                  kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                  static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60));
    return buf;
}

}  // namespace sb::storysync::podcast_text
