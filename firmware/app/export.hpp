#pragma once
// storybooth export — the booth's stories onto a USB drive, for a booth with no network.
#include <filesystem>
#include <string>

namespace sb::app {

struct ExportOptions {
    std::filesystem::path data = "storybooth-data";
    std::filesystem::path to;
    bool json = false;
    std::string version;
};

// Exit codes beyond 0 (done), 1 (failed) and 2 (bad command line).
inline constexpr int kExitBadTarget = 3;  // the folder is missing, not a folder or not writable
inline constexpr int kExitFull = 4;       // the drive filled up (or a file-size limit was hit)

// Writes or updates TO/storybooth-export/<booth id>/ (docs/sync-protocol.md) and prints one
// summary line (or a JSON object). Errors: one line on stderr and the exit code above.
int cmd_export(const ExportOptions& o);

}  // namespace sb::app
