#pragma once
// storybooth selftest — checks that an installed booth can work — and storybooth info.
#include <filesystem>
#include <optional>
#include <string>

namespace sb::app {

struct SelftestOptions {
    std::filesystem::path config;               // read data and ui from this config file
    std::optional<std::filesystem::path> data;  // overrides the config's data folder
    std::optional<std::filesystem::path> ui;    // overrides the config's ui folder
    bool json = false;
};
// Exit 0 when everything the booth needs works (warnings allowed), 1 with a list of what is wrong.
int cmd_selftest(const SelftestOptions& o);

struct InfoOptions {
    std::filesystem::path config;
    std::optional<std::filesystem::path> data;
    bool json = false;
    std::string version;
};
// The booth's identity (id, name, code), version and listen address, e.g. for the Avahi service file.
int cmd_info(const InfoOptions& o);

}  // namespace sb::app
