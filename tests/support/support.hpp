#pragma once
// Helpers shared by the tests: temporary folders, running programs, generated audio.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sbtest {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed at destruction (unless SB_KEEP_TMP is set).
class TempDir {
public:
    TempDir();
    ~TempDir();
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

struct RunResult {
    int exit_code = -1;  // 128+N when killed by signal N
    std::string out;
    std::string err;
};

// Whole file as a string ("" if missing).
std::string slurp_file(const fs::path& p);
// Runs `/bin/sh -c command`, capturing stdout and stderr.
RunResult run(const std::string& command);
// Shell-quotes one argument.
std::string q(const std::string& arg);
// The storybooth binary under test.
std::string storybooth();
// The simulated-conversation script (firmware/scripts/make-conversation.sh).
std::string conversation_script();

// A process started in the background with stderr captured to a file.
class Process {
public:
    explicit Process(const std::vector<std::string>& argv, const fs::path& stderr_file, const fs::path& stdout_file = "/dev/null");
    ~Process();
    // Waits until `needle` appears in the stderr file (or timeout); returns when it appeared.
    bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout);
    void kill(int sig);
    int wait();  // exit code, 128+N when killed by signal N
    int pid() const { return pid_; }

private:
    int pid_ = -1;
    fs::path stderr_file_;
    bool reaped_ = false;
    int status_ = 0;
};

// Interleaved 16-bit samples of a WAV/FLAC file (libsndfile), and its rate/channels.
struct Pcm {
    int rate = 0;
    int channels = 0;
    std::vector<std::int16_t> samples;
    std::size_t frames() const { return channels ? samples.size() / static_cast<std::size_t>(channels) : 0; }
};
Pcm read_pcm(const fs::path& file);
void write_wav(const fs::path& file, const Pcm& pcm);

// Decoded length of an Ogg Opus file in 48 kHz samples (opusfile), or -1 if it does not open.
std::int64_t opus_samples(const fs::path& file);
// Comments of an Ogg Opus file as KEY=value strings.
std::vector<std::string> opus_comments(const fs::path& file);

}  // namespace sbtest
