#pragma once
// The storybooth subcommands. Each returns the process exit code and throws sb::Error (or a
// std::exception) with a one-line reason for main() to print.
#include <filesystem>
#include <optional>
#include <string>

namespace sb::app {

struct DevicesOptions {
    bool json = false;
};
int cmd_devices(const DevicesOptions& o);

struct RecordOptions {
    std::filesystem::path data = "storybooth-data";
    std::string device;
    std::filesystem::path input;
    int channels = 0;  // 0: what the device or file has, up to 2
    std::optional<double> seconds;
    int bitrate = 64000;
    std::string master = "flac";
    bool realtime = false;
    std::string title;
    bool json = false;
};
int cmd_record(const RecordOptions& o);

struct RecoverOptions {
    std::filesystem::path data = "storybooth-data";
    bool json = false;
};
int cmd_recover(const RecoverOptions& o);

// Set by SIGINT/SIGTERM: stop and save.
bool stop_requested();
void install_signal_handlers();

}  // namespace sb::app
