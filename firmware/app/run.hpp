#pragma once
#include "config/settings.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace sb::app {

struct RunOptions {
    std::filesystem::path config;
    std::map<std::string, std::string> flags;  // setting key -> value given on the command line
    bool print_config = false;
    std::string version;
};
// Config file first, then flags. Throws sb::Error naming the setting.
Settings resolve_settings(const RunOptions& o);
int cmd_run(const RunOptions& o);

struct SetPinOptions {
    std::filesystem::path data = "storybooth-data";
};
int cmd_set_pin(const SetPinOptions& o);

}  // namespace sb::app
