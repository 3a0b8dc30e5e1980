// The two config files: storybooth.conf (sb::load_config_file, firmware/config) and
// storysync.conf (CLI11's config reader with storysync's own options, host-tools/storysync).
//
// Input: one selector byte (even: storybooth, odd: storysync), then the file's bytes.
// storybooth: a file is accepted or refused with sb::Error; an accepted one gives settings that
// survive being written back (every key's setting_value() is accepted by apply_setting() and
// prints the same, and a file of `key = value` lines loads to the same settings).
// storysync: parsing `storysync --config FILE` either succeeds with settings inside their checks
// or fails with CLI::ParseError, the only error storysync's main() expects from its parser.
#include "fuzz_targets.hpp"

#include "common/error.hpp"
#include "config/settings.hpp"
#include "storysync/cli_options.hpp"

namespace {

std::string all_values(const sb::Settings& s) {
    std::string out;
    for (const auto& k : sb::setting_keys()) out += std::string(k.key) + " = " + sb::setting_value(s, k.key) + "\n";
    return out;
}

void storybooth_conf(const std::filesystem::path& file) {
    sb::Settings s;
    try {
        sb::load_config_file(s, file);
    } catch (const sb::Error&) {
        return;
    }
    for (const auto& k : sb::setting_keys()) {
        const std::string v = sb::setting_value(s, k.key);
        sb::Settings t = s;
        sb::apply_setting(t, k.key, v);  // throws (a finding) if a value read cannot be given back
        FUZZ_CHECK(sb::setting_value(t, k.key) == v);
    }
    const std::string text = all_values(s);
    const auto again_file = file.parent_path() / "again.conf";
    sbfuzz::write_bytes(again_file, text);
    sb::Settings again;
    sb::load_config_file(again, again_file);
    FUZZ_CHECK(all_values(again) == text);
}

void storysync_conf(const std::filesystem::path& file) {
    CLI::App app{"storysync", "storysync"};
    sb::storysync::Settings s;
    sb::storysync::add_settings_options(app, s, file);
    std::vector<std::string> args = {file.string(), "--config"};  // CLI11 takes them last to first
    try {
        app.parse(args);
    } catch (const CLI::ParseError&) {
        return;
    }
    FUZZ_CHECK(s.timeout_seconds >= 1 && s.timeout_seconds <= 3600);
}

}  // namespace

int fuzz_config(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > (64u << 10)) return 0;
    sbfuzz::quiet_logs();
    const auto dir = sbfuzz::fresh_dir("config");
    const auto file = dir / "fuzz.conf";
    sbfuzz::write_bytes(file, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    if (data[0] % 2 == 0) storybooth_conf(file);
    else storysync_conf(file);
    return 0;
}
