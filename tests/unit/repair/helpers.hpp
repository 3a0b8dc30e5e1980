#pragma once
// Test data made in code: PCM, Ogg Opus through libopusenc, decoding through opusfile, tools.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sbt {

namespace fs = std::filesystem;
using Comments = std::vector<std::pair<std::string, std::string>>;

// A fresh folder (on tmpfs when /dev/shm is usable, so thousands of fsyncs stay cheap), removed at the end.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return dir_; }
    fs::path operator/(const std::string& name) const { return dir_ / name; }

private:
    fs::path dir_;
};

// Interleaved 16-bit PCM: a few gliding tones with a slow envelope plus noise; differs per channel.
std::vector<std::int16_t> make_pcm(int channels, std::size_t frames, std::uint32_t seed);

// Ogg Opus through libopusenc with the booth's crash-safe settings (48 kHz, 64 kbit/s by default, 20 ms frames,
// 100 ms decision and muxing delay, header flushed before the audio).
void encode_opus(const fs::path& file, const std::vector<std::int16_t>& pcm, int channels,
                 const Comments& comments, int bitrate = 64000);

struct Decoded {
    int open_error = 0;              // op_open_file's error, 0 when it opened
    int read_error = 0;              // first negative op_read result, 0 if none
    int channels = 0;
    std::int64_t pcm_total = -1;     // op_pcm_total
    std::vector<std::int16_t> pcm;   // interleaved
    std::string vendor;
    std::vector<std::string> comments;  // raw "KEY=value" strings, in order
    std::int64_t frames() const { return channels ? static_cast<std::int64_t>(pcm.size()) / channels : 0; }
};
Decoded decode_opus(const fs::path& file);

std::string read_bytes(const fs::path& file);
void write_bytes(const fs::path& file, const std::string& bytes);

struct Run {
    int status = -1;  // exit status, -1 if it did not exit normally
    std::string output;  // stdout and stderr
};
Run run(const std::string& command_line);
std::string quote(const fs::path& p);

// Lines of `opusinfo file` that mention a warning (any case); also fails the test if opusinfo did not run.
std::vector<std::string> opusinfo_warnings(const fs::path& file);

}  // namespace sbt
