#pragma once
// The simulated microphone: a WAV/FLAC file read through libsndfile, either as fast as the
// worker drains it or paced at real time (the way a microphone delivers).
#include "capture/source.hpp"

#include <atomic>
#include <filesystem>
#include <thread>

typedef struct sf_private_tag SNDFILE;

namespace sb {

class FileSource final : public AudioSource {
public:
    // channels: how many microphones to take from the file (its first channels); 0 = all, up to 2.
    // loop: start again at the end instead of ending (the daemon's demo microphone).
    // Throws sb::Error: missing file, not audio, too few channels, unsupported rate.
    FileSource(const std::filesystem::path& file, int channels, bool realtime, bool loop = false);
    ~FileSource() override;

    SourceFormat format() const override { return fmt_; }
    std::string name() const override { return path_.string(); }
    bool is_device() const override { return false; }
    void start(CaptureSink& sink) override;
    void stop() override;

private:
    void run(CaptureSink& sink);

    std::filesystem::path path_;
    SNDFILE* sf_ = nullptr;
    int file_channels_ = 0;
    SourceFormat fmt_;
    bool realtime_;
    bool loop_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace sb
