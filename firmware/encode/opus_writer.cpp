#include "encode/opus_writer.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <opus/opusenc.h>
#include <unistd.h>

namespace sb {

namespace {

struct CommentsGuard {
    OggOpusComments* c = ope_comments_create();
    ~CommentsGuard() {
        if (c) ope_comments_destroy(c);
    }
};

}  // namespace

int OpusWriter::on_write(void* user, const unsigned char* data, std::int32_t len) {
    auto* self = static_cast<OpusWriter*>(user);
    if (self->err_) return 1;
    if (int err = write_all(self->fd_.get(), data, static_cast<std::size_t>(len))) {
        self->err_ = err;
        return 1;
    }
    self->bytes_ += static_cast<std::uint64_t>(len);
    // Every call is one whole page; its granule position sits at bytes 6..13.
    if (len >= 27) {
        std::uint64_t g = 0;
        for (int i = 7; i >= 0; --i) g = (g << 8) | data[6 + i];
        const auto granule = static_cast<std::int64_t>(g);
        if (granule > 0) self->last_granule_ = granule;
    }
    return 0;
}

int OpusWriter::on_close(void*) { return 0; }

OpusWriter::OpusWriter(const std::filesystem::path& file, const OpusSettings& s, const Tags& tags) : path_(file) {
    fd_ = open_file(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CommentsGuard comments;
    if (!comments.c) throw Error("cannot create Opus comments");
    for (const auto& [k, v] : tags)
        if (!v.empty()) ope_comments_add(comments.c, k.c_str(), v.c_str());

    OpusEncCallbacks cb{&OpusWriter::on_write, &OpusWriter::on_close};
    int err = 0;
    enc_ = ope_encoder_create_callbacks(&cb, this, comments.c, s.input_rate, s.channels, s.channels > 2 ? 1 : 0, &err);
    if (!enc_ || err != OPE_OK) throw Error("cannot start the Opus encoder for " + file.string() + ": " + ope_strerror(err));
    // Crash safety: 100 ms decision and muxing delay, so pages leave at most ~0.2 s apart.
    // 20 ms frames and an early header flush work around libopusenc 0.2.1 bugs.
    ope_encoder_ctl(enc_, OPE_SET_DECISION_DELAY(4800));
    ope_encoder_ctl(enc_, OPE_SET_MUXING_DELAY(4800));
    ope_encoder_ctl(enc_, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS));
    ope_encoder_ctl(enc_, OPUS_SET_BITRATE(s.bitrate));
    ope_encoder_ctl(enc_, OPUS_SET_VBR_CONSTRAINT(1));
    ope_encoder_ctl(enc_, OPUS_SET_COMPLEXITY(s.complexity));
    ope_encoder_ctl(enc_, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    err = ope_encoder_flush_header(enc_);
    if (err != OPE_OK || err_) {
        int e = err_ ? err_ : EIO;
        ope_encoder_destroy(enc_);
        enc_ = nullptr;
        throw_errno("cannot write " + file.string(), e);
    }
    if (!sync()) throw IoError(error_, err_);
}

OpusWriter::~OpusWriter() {
    if (enc_) ope_encoder_destroy(enc_);
}

void OpusWriter::fail(const std::string& what, int err) {
    if (!error_.empty()) return;
    if (err) err_ = err;
    error_ = err ? describe_errno(what + " " + path_.string(), err) : what + " " + path_.string();
}

bool OpusWriter::write(const float* frames, int nframes) {
    if (failed() || finished_) return false;
    int r = ope_encoder_write_float(enc_, frames, nframes);
    if (err_) {
        fail("cannot write", err_);
        return false;
    }
    if (r != OPE_OK) {
        fail(std::string("the Opus encoder failed (") + ope_strerror(r) + ") on", 0);
        return false;
    }
    return true;
}

bool OpusWriter::sync() {
    if (failed()) return false;
    if (::fdatasync(fd_.get()) != 0) {
        fail("cannot sync", errno);
        return false;
    }
    return true;
}

bool OpusWriter::finish() {
    if (finished_) return !failed();
    finished_ = true;
    if (!failed()) {
        int r = ope_encoder_drain(enc_);
        if (err_ || r != OPE_OK) fail("cannot finish", err_ ? err_ : EIO);
    }
    ope_encoder_destroy(enc_);
    enc_ = nullptr;
    if (!failed() && ::fsync(fd_.get()) != 0) fail("cannot sync", errno);
    fd_.reset();
    return !failed();
}

}  // namespace sb
