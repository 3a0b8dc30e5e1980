#pragma once
// The storysync commands. Each returns the exit code (0 when everything worked) and throws
// sb::Error (or another std::exception) with one line for main() to print.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sb::storysync {

// What every command shares: the flags/config keys of the program itself.
struct Settings {
    std::filesystem::path library;      // empty: default_library_dir()
    std::filesystem::path tokens_file;  // empty: default_tokens_file()
    int timeout_seconds = 20;
    std::uint64_t rate_limit = 0;       // bytes per second, 0: unlimited
};

int cmd_pair(const Settings& s, const std::string& url, const std::string& code, const std::string& host_name);
int cmd_booths(const Settings& s, bool json);
int cmd_unpair(const Settings& s, const std::string& name);
// `what`: booth names, or paths of USB exports; empty: every paired booth.
int cmd_pull(const Settings& s, const std::vector<std::string>& what);
int cmd_list(const Settings& s, const std::string& booth, const std::string& share, const std::string& text, bool json);
int cmd_show(const Settings& s, const std::string& id_or_code, bool json);
int cmd_verify(const Settings& s);

}  // namespace sb::storysync
