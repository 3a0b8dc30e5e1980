#pragma once
// The master: lossless FLAC through libsndfile, one channel per microphone, samples untouched.
//
// libsndfile writes each FLAC frame (~85 ms at 48 kHz) to the descriptor as it is encoded, so
// sync() makes all but the last fraction of a second durable. A crash leaves STREAMINFO's
// sample count at 0 ("unknown"): repair (sb::flac) sets it from the frames on disk.
#include "common/fs.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

typedef struct sf_private_tag SNDFILE;

namespace sb {

class FlacWriter {
public:
    // Throws IoError/Error if the file cannot be created.
    FlacWriter(const std::filesystem::path& file, int channels, int sample_rate);
    ~FlacWriter();
    FlacWriter(const FlacWriter&) = delete;
    FlacWriter& operator=(const FlacWriter&) = delete;

    bool write(const std::int16_t* frames, std::size_t nframes);
    bool sync();
    // Closes (libsndfile writes the final STREAMINFO), syncs. Idempotent.
    bool finish();

    bool failed() const noexcept { return !error_.empty(); }
    int error_errno() const noexcept { return err_; }
    const std::string& error() const noexcept { return error_; }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    void fail(const std::string& what, int err);

    std::filesystem::path path_;
    Fd fd_;
    SNDFILE* sf_ = nullptr;
    int err_ = 0;
    std::string error_;
};

}  // namespace sb
