#include "encode/flac_writer.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sndfile.h>
#include <unistd.h>

namespace sb {

FlacWriter::FlacWriter(const std::filesystem::path& file, int channels, int sample_rate) : path_(file) {
    fd_ = open_file(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    SF_INFO info{};
    info.samplerate = sample_rate;
    info.channels = channels;
    info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    sf_ = sf_open_fd(fd_.get(), SFM_WRITE, &info, SF_FALSE);
    if (!sf_) throw Error("cannot create FLAC master " + file.string() + ": " + sf_strerror(nullptr));
    // FLAC level 3 (libsndfile maps 0..1 onto FLAC's 0..8): on speech, files within ~3% of
    // level 5's size for about two-thirds of its CPU time (measured: docs/benchmarks.md).
    double level = 3.0 / 8.0;
    sf_command(sf_, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
}

FlacWriter::~FlacWriter() {
    if (sf_) sf_close(sf_);
}

void FlacWriter::fail(const std::string& what, int err) {
    if (!error_.empty()) return;
    err_ = err;
    error_ = err ? describe_errno(what + " " + path_.string(), err) : what + " " + path_.string();
}

bool FlacWriter::write(const std::int16_t* frames, std::size_t nframes) {
    if (failed() || !sf_) return false;
    errno = 0;
    sf_count_t n = sf_writef_short(sf_, frames, static_cast<sf_count_t>(nframes));
    if (n != static_cast<sf_count_t>(nframes)) {
        int e = errno ? errno : EIO;
        fail("cannot write", e);
        return false;
    }
    return true;
}

bool FlacWriter::sync() {
    if (failed() || !fd_) return !failed();
    if (::fdatasync(fd_.get()) != 0) {
        fail("cannot sync", errno);
        return false;
    }
    return true;
}

bool FlacWriter::finish() {
    if (sf_) {
        errno = 0;
        int r = sf_close(sf_);
        sf_ = nullptr;
        if (r != 0 && !failed()) fail("cannot finish", errno ? errno : EIO);
    }
    if (fd_) {
        if (!failed() && ::fsync(fd_.get()) != 0) fail("cannot sync", errno);
        fd_.reset();
    }
    return !failed();
}

}  // namespace sb
