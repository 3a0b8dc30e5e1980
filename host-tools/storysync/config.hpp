#pragma once
// Where storysync keeps things, by the platform's conventions, and its config file.
//
//   library  Linux/WSL: $XDG_DATA_HOME/storysync, else ~/.local/share/storysync
//            macOS:     ~/Library/Application Support/storysync
//   config   Linux/WSL: $XDG_CONFIG_HOME/storysync/storysync.conf, else ~/.config/storysync/storysync.conf
//            macOS:     ~/Library/Application Support/storysync/storysync.conf
//   tokens   tokens.json beside the default config file (mode 0600, folder 0700)
#include <filesystem>
#include <string>

namespace sb::storysync {

std::filesystem::path default_library_dir();
std::filesystem::path default_config_dir();
std::filesystem::path default_config_file();
std::filesystem::path default_tokens_file();

// The config file with every key, its default and what it does, commented out
// (`storysync --print-config`).
std::string default_config_text();

// This machine's host name (what a booth's admin page lists for this laptop).
std::string this_host_name();

}  // namespace sb::storysync
