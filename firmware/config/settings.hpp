#pragma once
// The booth daemon's settings: one struct with defaults, filled from one commented config file
// (storybooth.conf) and then from command-line flags with the same names.
//
// The booth settings a librarian can change on the admin pages (name, code, time limit, bitrate,
// master, languages, warnings) are stored in the catalog once saved there; the file's values
// are the defaults until then. Deployment settings (listen, data, device, input, gpio-*) come only from
// the file and the command line.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sb {

struct Settings {
    // deployment
    std::filesystem::path data = "storybooth-data";
    std::string listen = "127.0.0.1:8080";
    std::string device;               // part of the microphone's name; empty: the system's default input
    std::filesystem::path input;      // simulated microphone (WAV/FLAC looped at real time); wins over device
    int channels = 0;                 // microphones to record, 1 or 2; 0: what the device has, up to 2
    std::filesystem::path ui;         // folder of the touchscreen and admin pages; empty: the one built in
    std::string gpio_chip;            // press-to-record button: the GPIO chip ("gpiochip0"); empty: no button
    std::string gpio_button = "GPIO17";  // the button's line name (pressed pulls it to ground)
    std::string gpio_led = "GPIO27";     // the LED's line name; empty: no LED
    int gpio_min_seconds = 3;         // a stop press earlier than this is ignored
    int gpio_max_seconds = 300;       // a button recording stops and is saved here (the time limit caps it)
    // booth (the admin pages can change these)
    std::string booth_name = "Story booth";
    std::string booth_code = "MAIN";
    double time_limit_minutes = 40;   // up to 60; decimals allowed (0.1 = 6 s, for trying things out)
    std::vector<double> warning_minutes = {5, 1};
    int bitrate = 64000;              // 16000..256000
    bool master = true;               // FLAC master on/off
    std::vector<std::string> languages = {"en", "es"};
    int idle_timeout_seconds = 180;   // kiosk screens back to Welcome after this long untouched
    std::string site_url;             // where the library publishes its story site (ends in '/'); "" = unknown
};

// One setting as the file and the flags know it.
struct SettingInfo {
    const char* key;        // "time-limit-minutes": the file's key and the flag --time-limit-minutes
    const char* help;       // one line
    bool librarian;         // the admin pages can change it
};
const std::vector<SettingInfo>& setting_keys();

// Sets one setting from text, validating it. Throws sb::Error with a plain reason
// ("time-limit-minutes must be a whole number from 1 to 60").
void apply_setting(Settings& s, const std::string& key, const std::string& value);
// The setting's current value as text (the same form apply_setting takes).
std::string setting_value(const Settings& s, const std::string& key);

// Reads `key = value` lines ('#' starts a comment; blank lines ignored). Throws sb::Error naming
// the file and line for an unknown key, a line without '=', or a bad value.
void load_config_file(Settings& s, const std::filesystem::path& file);

// The commented config file listing every setting with its default (what `storybooth run
// --print-config` prints and hardware/os ships).
std::string default_config_text();

}  // namespace sb
