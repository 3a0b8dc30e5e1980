#include "repair/flac_fix.hpp"

#include "repair/in_place.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"

#include <FLAC/stream_decoder.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

// Layout used here (FLAC format, RFC 9639):
//   ["ID3" tag] "fLaC" then metadata blocks: header = last-flag(1 bit) | type(7) | length(24 BE).
//   STREAMINFO (type 0, 34 bytes): min/max block size (16+16), min/max frame size (24+24),
//   sample rate (20), channels-1 (3), bits per sample-1 (5), total samples (36), MD5 (128).
//   SEEKTABLE (type 3): 18-byte points: sample (64), offset from first frame (64), samples (16);
//   sample 0xFFFFFFFFFFFFFFFF marks a placeholder.

namespace sb::flac {
namespace {

constexpr std::uint64_t kPlaceholder = ~std::uint64_t{0};
constexpr std::uint64_t kMax36 = (std::uint64_t{1} << 36) - 1;

void pread_exact(int fd, void* buf, std::size_t len, std::uint64_t off, const std::string& name) {
    if (!pread_all(fd, buf, len, off, name)) throw Error(name + " is not a FLAC file (too short)");
}

std::uint64_t get_be(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}
void put_be(std::uint8_t* p, int n, std::uint64_t v) {
    for (int i = n - 1; i >= 0; --i) {
        p[i] = static_cast<std::uint8_t>(v & 0xffu);
        v >>= 8;
    }
}

using repair_detail::open_for_repair;

struct Header {
    FlacInfo info;
    std::uint64_t streaminfo_at = 0;  // offset of the 34 STREAMINFO bytes
    std::array<std::uint8_t, 34> si{};
    bool metadata_complete = false;   // every metadata block lies inside the file
    std::uint64_t audio_at = 0;       // first byte after the metadata
    std::uint64_t seektable_at = 0;   // offset of SEEKTABLE data, 0 if none
    std::uint32_t seektable_len = 0;
};

std::uint64_t file_size_of(int fd, const std::string& name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_errno("cannot stat " + name, errno);
    return static_cast<std::uint64_t>(st.st_size);
}

Header read_header(int fd, std::uint64_t size, const std::string& name) {
    Header h;
    std::uint8_t b[10];
    if (size < 4 + 4 + 34) throw Error(name + " is not a FLAC file (too short)");
    pread_exact(fd, b, 10, 0, name);
    std::uint64_t at = 0;
    if (std::memcmp(b, "ID3", 3) == 0) {  // ID3v2: 10-byte header, syncsafe size, optional footer
        const std::uint64_t tag = (std::uint64_t{b[6]} << 21) | (std::uint64_t{b[7]} << 14) |
                                  (std::uint64_t{b[8]} << 7) | b[9];
        at = 10 + tag + ((b[5] & 0x10) ? 10 : 0);
        if (at + 4 + 4 + 34 > size) throw Error(name + " is not a FLAC file (too short)");
        pread_exact(fd, b, 8, at, name);
    }
    if (std::memcmp(b, "fLaC", 4) != 0) throw Error(name + " is not a FLAC file (no fLaC marker)");
    if ((b[4] & 0x7f) != 0 || get_be(b + 5, 3) != 34)
        throw Error(name + " is not a valid FLAC file (STREAMINFO is not the first block)");
    h.streaminfo_at = at + 8;
    pread_exact(fd, h.si.data(), h.si.size(), h.streaminfo_at, name);
    const std::uint8_t* s = h.si.data();
    h.info.sample_rate = static_cast<int>((std::uint32_t{s[10]} << 12) | (std::uint32_t{s[11]} << 4) | (s[12] >> 4));
    h.info.channels = ((s[12] >> 1) & 7) + 1;
    h.info.bits_per_sample = (((s[12] & 1) << 4) | (s[13] >> 4)) + 1;
    h.info.total_samples_header = (std::uint64_t{s[13] & 0x0fu} << 32) | get_be(s + 14, 4);
    if (h.info.sample_rate == 0 || h.info.bits_per_sample < 4)
        throw Error(name + " is not a valid FLAC file (bad STREAMINFO)");

    // Walk the remaining metadata blocks.
    bool last = (b[4] & 0x80) != 0;
    at = h.streaminfo_at + 34;
    while (!last) {
        if (at + 4 > size) return h;  // metadata cut
        std::uint8_t bh[4];
        pread_exact(fd, bh, 4, at, name);
        last = (bh[0] & 0x80) != 0;
        const auto type = bh[0] & 0x7f;
        const auto len = static_cast<std::uint32_t>(get_be(bh + 1, 3));
        if (type == 127) return h;  // invalid block type: treat as damaged metadata
        if (type == 3 && h.seektable_at == 0) {
            h.seektable_at = at + 4;
            h.seektable_len = len;
        }
        at += 4 + len;
    }
    if (at > size) return h;
    h.metadata_complete = true;
    h.audio_at = at;
    return h;
}

// Decoder state shared with libFLAC's callbacks.
struct Ctx {
    int fd = -1;
    std::uint64_t size = 0;
    std::uint64_t pos = 0;
    int io_errno = 0;
    std::string name;
    unsigned channels = 0;
    unsigned bps = 0;
    bool damaged = false;          // libFLAC reported an error: nothing after it is trusted
    bool bad_position = false;
    std::uint64_t frames = 0;      // samples per channel accepted
    std::uint64_t good_end = 0;    // byte after the last accepted frame
    std::uint64_t min_frame = 0;
    std::uint64_t max_frame = 0;
    EVP_MD_CTX* md5 = nullptr;
    std::vector<std::uint8_t> pcm;
};

FLAC__StreamDecoderReadStatus read_cb(const FLAC__StreamDecoder*, FLAC__byte buffer[], size_t* bytes, void* cd) {
    auto& c = *static_cast<Ctx*>(cd);
    if (c.pos >= c.size) {
        *bytes = 0;
        return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM;
    }
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(*bytes, c.size - c.pos));
    for (;;) {
        ssize_t n = ::pread(c.fd, buffer, want, static_cast<off_t>(c.pos));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            c.io_errno = errno;
            *bytes = 0;
            return FLAC__STREAM_DECODER_READ_STATUS_ABORT;
        }
        *bytes = static_cast<std::size_t>(n);
        c.pos += static_cast<std::uint64_t>(n);
        return n == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM : FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
    }
}

FLAC__StreamDecoderSeekStatus seek_cb(const FLAC__StreamDecoder*, FLAC__uint64 off, void* cd) {
    auto& c = *static_cast<Ctx*>(cd);
    if (off > c.size) return FLAC__STREAM_DECODER_SEEK_STATUS_ERROR;
    c.pos = off;
    return FLAC__STREAM_DECODER_SEEK_STATUS_OK;
}

FLAC__StreamDecoderTellStatus tell_cb(const FLAC__StreamDecoder*, FLAC__uint64* off, void* cd) {
    *off = static_cast<Ctx*>(cd)->pos;
    return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

FLAC__StreamDecoderLengthStatus length_cb(const FLAC__StreamDecoder*, FLAC__uint64* len, void* cd) {
    *len = static_cast<Ctx*>(cd)->size;
    return FLAC__STREAM_DECODER_LENGTH_STATUS_OK;
}

FLAC__bool eof_cb(const FLAC__StreamDecoder*, void* cd) {
    auto& c = *static_cast<Ctx*>(cd);
    return c.pos >= c.size;
}

FLAC__StreamDecoderWriteStatus write_cb(const FLAC__StreamDecoder* dec, const FLAC__Frame* frame,
                                        const FLAC__int32* const buffer[], void* cd) {
    auto& c = *static_cast<Ctx*>(cd);
    if (c.damaged || frame->header.channels != c.channels || frame->header.bits_per_sample != c.bps) {
        c.damaged = true;
        return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    }
    // Called after the frame's CRC-16 matched: the decode position is just after this frame.
    FLAC__uint64 end = 0;
    if (!FLAC__stream_decoder_get_decode_position(dec, &end) || end <= c.good_end) {
        c.bad_position = true;
        return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    }
    const std::uint64_t frame_bytes = end - c.good_end;
    c.min_frame = c.frames == 0 ? frame_bytes : std::min(c.min_frame, frame_bytes);
    c.max_frame = std::max(c.max_frame, frame_bytes);
    c.good_end = end;

    // MD5 input per the format: interleaved, signed, little-endian, (bps+7)/8 bytes per sample.
    const unsigned width = (c.bps + 7) / 8;
    const unsigned n = frame->header.blocksize;
    c.pcm.resize(static_cast<std::size_t>(n) * c.channels * width);
    std::uint8_t* out = c.pcm.data();
    for (unsigned i = 0; i < n; ++i) {
        for (unsigned ch = 0; ch < c.channels; ++ch) {
            auto v = static_cast<std::uint32_t>(buffer[ch][i]);
            for (unsigned k = 0; k < width; ++k) {
                *out++ = static_cast<std::uint8_t>(v & 0xffu);
                v >>= 8;
            }
        }
    }
    EVP_DigestUpdate(c.md5, c.pcm.data(), c.pcm.size());
    c.frames += n;
    return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

void error_cb(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus, void* cd) {
    static_cast<Ctx*>(cd)->damaged = true;
}

struct DecoderDeleter {
    void operator()(FLAC__StreamDecoder* d) const { FLAC__stream_decoder_delete(d); }
};
struct MdDeleter {
    void operator()(EVP_MD_CTX* m) const { EVP_MD_CTX_free(m); }
};

}  // namespace

FlacInfo read_streaminfo(const std::filesystem::path& file) {
    Fd fd = open_file(file, O_RDONLY);
    const std::string name = file.string();
    return read_header(fd.get(), file_size_of(fd.get(), name), name).info;
}

RepairResult repair_flac_in_place(const std::filesystem::path& file) {
    const std::string name = file.string();
    int ro_errno = 0;
    Fd fd = open_for_repair(file, ro_errno);
    const std::uint64_t size = file_size_of(fd.get(), name);
    const Header h = read_header(fd.get(), size, name);

    RepairResult r;
    r.channels = h.info.channels;
    r.sample_rate = h.info.sample_rate;
    r.size = size;
    if (!h.metadata_complete || h.audio_at >= size) return r;

    std::unique_ptr<EVP_MD_CTX, MdDeleter> md(EVP_MD_CTX_new());
    if (!md || EVP_DigestInit_ex(md.get(), EVP_md5(), nullptr) != 1) throw Error("cannot start MD5 for " + name);
    std::unique_ptr<FLAC__StreamDecoder, DecoderDeleter> dec(FLAC__stream_decoder_new());
    if (!dec) throw Error("cannot create a FLAC decoder for " + name);

    Ctx c;
    c.fd = fd.get();
    c.size = size;
    c.name = name;
    c.channels = static_cast<unsigned>(h.info.channels);
    c.bps = static_cast<unsigned>(h.info.bits_per_sample);
    c.good_end = h.audio_at;
    c.md5 = md.get();
    if (FLAC__stream_decoder_init_stream(dec.get(), read_cb, seek_cb, tell_cb, length_cb, eof_cb, write_cb,
                                         nullptr, error_cb, &c) != FLAC__STREAM_DECODER_INIT_STATUS_OK)
        throw Error("cannot start the FLAC decoder for " + name);
    if (FLAC__stream_decoder_process_until_end_of_metadata(dec.get())) {
        while (!c.damaged && !c.bad_position) {
            const auto state = FLAC__stream_decoder_get_state(dec.get());
            if (state == FLAC__STREAM_DECODER_END_OF_STREAM || state == FLAC__STREAM_DECODER_ABORTED) break;
            if (!FLAC__stream_decoder_process_single(dec.get())) break;
        }
    }
    if (c.io_errno) throw_errno("cannot read " + name, c.io_errno);
    if (c.bad_position) throw Error("cannot find the frame positions in " + name);
    FLAC__stream_decoder_finish(dec.get());
    dec.reset();
    r.frames = c.frames;
    if (c.frames == 0) return r;
    r.has_audio = true;

    std::array<std::uint8_t, 34> si = h.si;
    const std::uint64_t total = c.frames <= kMax36 ? c.frames : 0;  // 0 = unknown if it does not fit
    const bool cut = c.good_end != size;
    if (cut || h.info.total_samples_header != total) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        if (EVP_DigestFinal_ex(md.get(), digest, &dlen) != 1 || dlen != 16)
            throw Error("cannot compute the MD5 of " + name);
        put_be(si.data() + 4, 3, c.min_frame < (1u << 24) ? c.min_frame : 0);
        put_be(si.data() + 7, 3, c.max_frame < (1u << 24) ? c.max_frame : 0);
        si[13] = static_cast<std::uint8_t>((si[13] & 0xf0u) | ((total >> 32) & 0x0fu));
        put_be(si.data() + 14, 4, total & 0xffffffffu);
        std::memcpy(si.data() + 18, digest, 16);
    }
    if (ro_errno && (cut || si != h.si)) throw_errno("cannot repair " + name, ro_errno);
    if (si != h.si) {
        pwrite_all(fd.get(), si.data(), si.size(), h.streaminfo_at, name);
        r.changed = true;
    }
    // Seek points that now lie beyond the audio become placeholders (sorted points: a suffix).
    if (h.seektable_at != 0 && h.seektable_len >= 18) {
        std::vector<std::uint8_t> st(h.seektable_len);
        pread_exact(fd.get(), st.data(), st.size(), h.seektable_at, name);
        bool touched = false;
        for (std::size_t i = 0; i + 18 <= st.size(); i += 18) {
            const std::uint64_t sample = get_be(&st[i], 8);
            const std::uint64_t off = get_be(&st[i + 8], 8);
            if (sample == kPlaceholder) continue;
            if (sample >= c.frames || h.audio_at + off >= c.good_end) {
                put_be(&st[i], 8, kPlaceholder);
                put_be(&st[i + 8], 8, 0);
                put_be(&st[i + 16], 2, 0);
                touched = true;
            }
        }
        if (touched) {
            if (ro_errno) throw_errno("cannot repair " + name, ro_errno);
            pwrite_all(fd.get(), st.data(), st.size(), h.seektable_at, name);
            r.changed = true;
        }
    }
    if (cut) {
        if (::ftruncate(fd.get(), static_cast<off_t>(c.good_end)) != 0) throw_errno("cannot truncate " + name, errno);
        r.changed = true;
    }
    if (r.changed && ::fsync(fd.get()) != 0) throw_errno("cannot sync " + name, errno);
    r.size = c.good_end;
    return r;
}

}  // namespace sb::flac
