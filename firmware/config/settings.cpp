#include "config/settings.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

namespace sb {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

int parse_int(const std::string& key, const std::string& v, int lo, int hi) {
    int out = 0;
    const auto* end = v.data() + v.size();
    auto [p, ec] = std::from_chars(v.data(), end, out);
    if (ec != std::errc() || p != end || out < lo || out > hi)
        throw Error(key + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                    " (got '" + v + "')");
    return out;
}

double parse_minutes(const std::string& key, const std::string& v, double lo, double hi) {
    double out = 0;
    const auto* end = v.data() + v.size();
    auto [p, ec] = std::from_chars(v.data(), end, out);
    if (ec != std::errc() || p != end || !(out >= lo && out <= hi))
        throw Error(key + " must be a number of minutes from " + format_number(lo) + " to " + format_number(hi) + " (got '" + v + "')");
    return out;
}

std::vector<std::string> split_list(const std::string& v) {
    std::vector<std::string> out;
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item = trim(item);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

template <typename T>
std::string join(const std::vector<T>& v) {
    std::string out;
    for (const auto& x : v) {
        if (!out.empty()) out += ",";
        if constexpr (std::is_same_v<T, std::string>) out += x;
        else out += format_number(x);
    }
    return out;
}

bool is_code_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

const std::vector<SettingInfo>& setting_keys() {
    static const std::vector<SettingInfo> keys = {
        {"data", "folder for the catalog and the stories", false},
        {"listen", "address:port the booth serves on (127.0.0.1:8080 keeps it to this machine)", false},
        {"device", "microphone: part of its name (see 'storybooth devices'); empty = default input", false},
        {"input", "simulated microphone: a WAV/FLAC file played in a loop at real time (for demos and tests)", false},
        {"channels", "microphones to record, 1 or 2; 0 = as many as the device has, up to 2", false},
        {"ui", "folder of the touchscreen and admin pages; empty = the one installed with the program", false},
        {"gpio-chip", "press-to-record button: the GPIO chip (e.g. gpiochip0); empty = no button", false},
        {"gpio-button", "the button's GPIO line name (a press connects it to ground)", false},
        {"gpio-led", "the button LED's GPIO line name; empty = no LED", false},
        {"gpio-min-seconds", "a button recording lasts at least this long: earlier presses are ignored (1-60)", false},
        {"gpio-max-seconds", "a button recording stops and is saved after this long (10-3600; the time limit caps it)", false},
        {"booth-name", "the booth's name, shown to people and written into every story", true},
        {"booth-code", "short code that starts every story code (2-8 capital letters or digits)", true},
        {"time-limit-minutes", "longest recording, up to 60 minutes", true},
        {"warning-minutes", "warn this many minutes before the limit (comma-separated)", true},
        {"bitrate", "listening copy bitrate in bits per second (16000-256000)", true},
        {"master", "keep a lossless FLAC master: on or off", true},
        {"languages", "languages offered on the Welcome screen (comma-separated: en, es)", true},
        {"idle-timeout-seconds", "screens go back to Welcome after this long untouched (never while recording)", true},
        {"site-url", "address of the library's story website (storysync publish --base-url), to show secret links in full; empty = unknown", true},
    };
    return keys;
}

void apply_setting(Settings& s, const std::string& key, const std::string& raw) {
    const std::string v = trim(raw);
    if (key == "data") {
        if (v.empty()) throw Error("data must name a folder");
        s.data = v;
    } else if (key == "listen") {
        const auto colon = v.rfind(':');
        if (colon == std::string::npos || colon == 0) throw Error("listen must be ADDRESS:PORT, e.g. 0.0.0.0:8080");
        parse_int("the port in listen", v.substr(colon + 1), 0, 65535);
        s.listen = v;
    } else if (key == "device") {
        s.device = v;
    } else if (key == "input") {
        s.input = v;
    } else if (key == "ui") {
        s.ui = v;
    } else if (key == "gpio-chip") {
        s.gpio_chip = v;
    } else if (key == "gpio-button") {
        if (v.empty()) throw Error("gpio-button must name the button's GPIO line, e.g. GPIO17");
        s.gpio_button = v;
    } else if (key == "gpio-led") {
        s.gpio_led = v;
    } else if (key == "gpio-min-seconds") {
        s.gpio_min_seconds = parse_int(key, v, 1, 60);
    } else if (key == "gpio-max-seconds") {
        s.gpio_max_seconds = parse_int(key, v, 10, 3600);
    } else if (key == "channels") {
        s.channels = parse_int(key, v, 0, 2);
    } else if (key == "booth-name") {
        if (v.empty() || v.size() > 100) throw Error("booth-name must be 1 to 100 characters");
        s.booth_name = v;
    } else if (key == "booth-code") {
        if (v.size() < 2 || v.size() > 8 || !std::all_of(v.begin(), v.end(), is_code_char))
            throw Error("booth-code must be 2 to 8 capital letters or digits, e.g. MAIN");
        s.booth_code = v;
    } else if (key == "time-limit-minutes") {
        s.time_limit_minutes = parse_minutes(key, v, 0.05, 60);
    } else if (key == "warning-minutes") {
        std::vector<double> w;
        for (const auto& item : split_list(v)) w.push_back(parse_minutes(key, item, 0.01, 59));
        std::sort(w.rbegin(), w.rend());
        s.warning_minutes = w;
    } else if (key == "bitrate") {
        s.bitrate = parse_int(key, v, 16000, 256000);
    } else if (key == "master") {
        if (v == "on" || v == "flac" || v == "true") s.master = true;
        else if (v == "off" || v == "none" || v == "false") s.master = false;
        else throw Error("master must be on or off");
    } else if (key == "languages") {
        auto langs = split_list(v);
        if (langs.empty()) throw Error("languages must list at least one of: en, es");
        for (const auto& l : langs)
            if (l != "en" && l != "es") throw Error("languages: '" + l + "' is not offered (en, es)");
        s.languages = langs;
    } else if (key == "idle-timeout-seconds") {
        s.idle_timeout_seconds = parse_int(key, v, 30, 3600);
    } else if (key == "site-url") {
        const bool web = v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0;
        if (!v.empty() && (!web || v.size() > 300 || v.size() <= 8 ||
                           std::any_of(v.begin(), v.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; })))
            throw Error("site-url must be empty or a web address starting with https:// (at most 300 characters, no spaces)");
        s.site_url = v.empty() || v.back() == '/' ? v : v + "/";
    } else {
        throw Error("unknown setting '" + key + "'");
    }
}

std::string setting_value(const Settings& s, const std::string& key) {
    if (key == "data") return s.data.string();
    if (key == "listen") return s.listen;
    if (key == "device") return s.device;
    if (key == "input") return s.input.string();
    if (key == "ui") return s.ui.string();
    if (key == "gpio-chip") return s.gpio_chip;
    if (key == "gpio-button") return s.gpio_button;
    if (key == "gpio-led") return s.gpio_led;
    if (key == "gpio-min-seconds") return std::to_string(s.gpio_min_seconds);
    if (key == "gpio-max-seconds") return std::to_string(s.gpio_max_seconds);
    if (key == "channels") return std::to_string(s.channels);
    if (key == "booth-name") return s.booth_name;
    if (key == "booth-code") return s.booth_code;
    if (key == "time-limit-minutes") return format_number(s.time_limit_minutes);
    if (key == "warning-minutes") return join(s.warning_minutes);
    if (key == "bitrate") return std::to_string(s.bitrate);
    if (key == "master") return s.master ? "on" : "off";
    if (key == "languages") return join(s.languages);
    if (key == "idle-timeout-seconds") return std::to_string(s.idle_timeout_seconds);
    if (key == "site-url") return s.site_url;
    throw Error("unknown setting '" + key + "'");
}

void load_config_file(Settings& s, const std::filesystem::path& file) {
    std::string text;
    try {
        text = read_file(file);
    } catch (const IoError& e) {
        throw Error("cannot read config file " + file.string() + " (" + e.what() + ")");
    }
    std::stringstream ss(text);
    std::string line;
    int n = 0;
    while (std::getline(ss, line)) {
        ++n;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        const auto eq = line.find('=');
        const std::string where = file.string() + " line " + std::to_string(n) + ": ";
        if (eq == std::string::npos) throw Error(where + "expected 'key = value'");
        try {
            apply_setting(s, trim(line.substr(0, eq)), line.substr(eq + 1));
        } catch (const Error& e) {
            throw Error(where + e.what());
        }
    }
}

std::string default_config_text() {
    const Settings d;
    std::string out =
        "# storybooth.conf — settings of the booth daemon (storybooth run --config FILE).\n"
        "# Every setting is listed with its default. The same names work as flags:\n"
        "#   storybooth run --time-limit-minutes 30\n"
        "# Settings marked [admin] can be changed on the librarian's admin pages; once saved\n"
        "# there, the booth keeps the librarian's value and this file's value is only the default.\n\n";
    for (const auto& k : setting_keys()) {
        out += "# " + std::string(k.help) + (k.librarian ? " [admin]" : "") + "\n";
        out += std::string(k.key) + " = " + setting_value(d, k.key) + "\n\n";
    }
    return out;
}

}  // namespace sb
