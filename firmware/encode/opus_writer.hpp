#pragma once
// The listening copy: Ogg Opus through libopusenc, written for crash safety.
//
// Pages leave the encoder at most ~0.2 s of audio apart (decision and muxing delay both 100 ms)
// and go straight to the file descriptor with write(2) — no stdio buffer — so sync() makes
// everything encoded so far durable. Errors are sticky: after a failed write every later call
// fails the same way, and error() says why.
#include "common/fs.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

struct OggOpusEnc;
struct OggOpusComments;

namespace sb {

using Tags = std::vector<std::pair<std::string, std::string>>;

struct OpusSettings {
    int channels = 1;         // 1 or 2 (what the listener hears)
    int input_rate = 48000;   // libopusenc resamples anything else to 48 kHz
    int bitrate = 64000;      // bits per second
    int complexity = 10;
};

class OpusWriter {
public:
    // Creates the file and writes its headers (durably) at once. Throws IoError/Error.
    OpusWriter(const std::filesystem::path& file, const OpusSettings& settings, const Tags& tags);
    ~OpusWriter();
    OpusWriter(const OpusWriter&) = delete;
    OpusWriter& operator=(const OpusWriter&) = delete;

    // Interleaved float frames. Returns false once an error has happened (see error()).
    bool write(const float* frames, int nframes);
    // fdatasync of what has been written. Returns false on error.
    bool sync();
    // Ends the stream (EOS page), syncs and closes. Returns false on error; the file may then
    // end without EOS, which repair fixes. Idempotent.
    bool finish();

    bool failed() const noexcept { return err_ != 0 || !error_.empty(); }
    int error_errno() const noexcept { return err_; }
    const std::string& error() const noexcept { return error_; }
    // Bytes handed to the file so far, and the granule (48 kHz samples incl. pre-skip) of the
    // last page among them.
    std::uint64_t bytes_written() const noexcept { return bytes_; }
    std::int64_t last_granule() const noexcept { return last_granule_; }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    static int on_write(void* user, const unsigned char* data, std::int32_t len);
    static int on_close(void* user);
    void fail(const std::string& what, int err);

    std::filesystem::path path_;
    Fd fd_;
    OggOpusEnc* enc_ = nullptr;
    int err_ = 0;
    std::string error_;
    std::uint64_t bytes_ = 0;
    std::int64_t last_granule_ = -1;
    bool finished_ = false;
};

}  // namespace sb
