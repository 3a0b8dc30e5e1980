#include "episode_audio/episode_audio.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "episode_audio/limiter.hpp"
#include "common/temp_file.hpp"

#include <ebur128.h>
#include <opusfile.h>
#include <sndfile.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace sb::storysync {

namespace {

constexpr int kOpusRate = 48000;
constexpr std::size_t kBlockFrames = 5760;   // 120 ms at 48 kHz: opusfile's largest packet
// Where the limiter holds true peaks before encoding. LAME's low-pass and quantisation move
// peaks by up to ~0.5 dB on speech; the MP3 itself is then measured (kAcceptPeakDbtp) and
// encoded again with a lower ceiling if it still overshot.
constexpr double kCeilingDbtp = -2.0;
// The MP3 must measure at most this (a little under -1 dBTP: meters that oversample
// differently, e.g. ffmpeg's, read a few hundredths of a dB apart).
constexpr double kAcceptPeakDbtp = -1.2;
// The MP3 is encoded again when its integrated loudness is further than this from the target.
constexpr double kAcceptLoudnessLu = 0.5;
// LAME's low-pass takes 0.2-0.5 LU from speech (measured on espeak-ng voices, 96 and 128
// kbit/s): the limiter's output aims this much above the target so the MP3 lands near it.
constexpr double kEncoderLossLu = 0.25;
constexpr int kMaxAttempts = 3;

double to_db(double linear) {
    return linear > 0.0 ? 20.0 * std::log10(linear) : -std::numeric_limits<double>::infinity();
}

std::string opus_error(int code) {
    switch (code) {
        case OP_EREAD: return "cannot be read";
        case OP_EFAULT: return "cannot be read (out of memory or an internal fault)";
        case OP_EIMPL: return "uses an Opus feature that is not supported";
        case OP_ENOTFORMAT: return "is not an Ogg Opus file";
        case OP_EBADHEADER: return "has damaged Opus headers";
        case OP_EVERSION: return "has an unsupported Opus version";
        case OP_EBADLINK: return "is damaged (a link of the stream cannot be found)";
        case OP_EBADTIMESTAMP: return "is damaged or cut short (bad timestamps)";
        case OP_HOLE: return "is damaged (pages are missing or corrupt)";
        case OP_EBADPACKET: return "is damaged (an audio packet cannot be decoded)";
        default: return "cannot be decoded (opusfile error " + std::to_string(code) + ")";
    }
}

// A file cut short (an interrupted copy) still decodes up to its last whole page, so the end is
// checked: the last page must end exactly at the end of the file and carry the end-of-stream flag.
void check_ogg_end(const fs::path& file) {
    Fd fd = open_file(file, O_RDONLY);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("cannot read " + file.string(), errno);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    constexpr std::uint64_t kMaxPage = 27 + 255 + 255 * 255;
    const std::uint64_t start = size > kMaxPage ? size - kMaxPage : 0;
    std::string tail(static_cast<std::size_t>(size - start), '\0');
    if (!pread_all(fd.get(), tail.data(), tail.size(), start, file.string()))
        throw Error(file.string() + " changed while it was read");
    for (std::size_t pos = tail.rfind("OggS"); pos != std::string::npos; pos = pos ? tail.rfind("OggS", pos - 1) : std::string::npos) {
        if (pos + 27 > tail.size()) continue;
        const auto* h = reinterpret_cast<const unsigned char*>(tail.data() + pos);
        if (h[4] != 0) continue;
        std::size_t nseg = h[26];
        if (pos + 27 + nseg > tail.size()) continue;
        std::size_t len = 27 + nseg;
        for (std::size_t i = 0; i < nseg; ++i) len += h[27 + i];
        if (pos + len != tail.size()) continue;
        if (!(h[5] & 0x04)) throw Error(file.string() + " is truncated: it ends without its end-of-stream page");
        return;
    }
    throw Error(file.string() + " is truncated: its last Ogg page is incomplete");
}

// The decoded Opus listening copy, in blocks.
class OpusReader {
public:
    explicit OpusReader(const fs::path& file) : path_(file) {
        OpusFileCallbacks cb{};
        void* stream = op_fopen(&cb, file.c_str(), "rb");
        if (!stream) throw_errno("cannot open " + file.string(), errno);
        int err = 0;
        of_.reset(op_open_callbacks(stream, &cb, nullptr, 0, &err));
        if (!of_) {
            cb.close(stream);
            throw Error(file.string() + " " + opus_error(err));
        }
        channels_ = op_channel_count(of_.get(), -1);
        if (channels_ < 1 || channels_ > 2)
            throw Error(file.string() + " has " + std::to_string(channels_) + " channels; only mono or stereo is supported");
    }
    int channels() const { return channels_; }

    // Up to `max_frames` interleaved frames into `buf`; 0 at the end. Throws on damage.
    std::size_t read(float* buf, std::size_t max_frames) {
        const int size = static_cast<int>(max_frames) * channels_;
        int link = 0;
        int n = channels_ == 2 ? op_read_float_stereo(of_.get(), buf, size) : op_read_float(of_.get(), buf, size, &link);
        if (n < 0) throw Error(path_.string() + " " + opus_error(n));
        if (channels_ == 1 && n > 0 && op_channel_count(of_.get(), link) != 1)
            throw Error(path_.string() + " changes from mono to stereo part-way; it cannot be encoded");
        return static_cast<std::size_t>(n);
    }

private:
    struct Free {
        void operator()(OggOpusFile* f) const { op_free(f); }
    };
    fs::path path_;
    std::unique_ptr<OggOpusFile, Free> of_;
    int channels_ = 0;
};

// Integrated loudness by libebur128 (histogram mode: fixed memory for any length) and true peak
// by TruePeakMeter (libebur128's own true-peak mode costs more than the MP3 encoder here).
class Meter {
public:
    Meter(int channels, int rate, bool with_peak = true) {
        st_ = ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(rate),
                           EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM);
        if (!st_) throw std::bad_alloc();
        if (with_peak) peak_.emplace(channels);
    }
    ~Meter() { ebur128_destroy(&st_); }
    Meter(const Meter&) = delete;
    Meter& operator=(const Meter&) = delete;

    void add(const float* frames, std::size_t n) {
        if (!n) return;
        if (ebur128_add_frames_float(st_, frames, n) != EBUR128_SUCCESS) throw std::bad_alloc();
        if (peak_) peak_->add(frames, n);
    }
    double integrated() const {
        double lufs = 0.0;
        if (ebur128_loudness_global(st_, &lufs) != EBUR128_SUCCESS) return -std::numeric_limits<double>::infinity();
        return lufs;
    }
    double true_peak_dbtp() const { return to_db(peak_ ? peak_->peak() : 0.0); }

private:
    ebur128_state* st_ = nullptr;
    std::optional<TruePeakMeter> peak_;
};

Loudness measure_opus(const fs::path& file) {
    OpusReader reader(file);
    const int ch = reader.channels();
    Meter meter(ch, kOpusRate);
    std::vector<float> buf(kBlockFrames * static_cast<std::size_t>(ch));
    std::uint64_t frames = 0;
    while (std::size_t n = reader.read(buf.data(), kBlockFrames)) {
        meter.add(buf.data(), n);
        frames += n;
    }
    return {meter.integrated(), meter.true_peak_dbtp(), static_cast<double>(frames) / kOpusRate, ch, kOpusRate};
}

Loudness measure_sndfile(const fs::path& file) {
    SF_INFO info{};
    SNDFILE* sf = sf_open(file.c_str(), SFM_READ, &info);
    if (!sf) throw Error("cannot read audio from " + file.string() + ": " + sf_strerror(nullptr));
    std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> guard(sf, sf_close);
    if (info.channels < 1 || info.samplerate <= 0) throw Error(file.string() + " has no audio");
    if (info.channels > 2)
        throw Error(file.string() + " has " + std::to_string(info.channels) + " channels; only mono or stereo is measured");
    Meter meter(info.channels, info.samplerate);
    constexpr sf_count_t kFrames = 4096;
    std::vector<float> buf(static_cast<std::size_t>(kFrames) * static_cast<std::size_t>(info.channels));
    std::uint64_t frames = 0;
    for (;;) {
        sf_count_t n = sf_readf_float(sf, buf.data(), kFrames);
        if (n <= 0) break;
        meter.add(buf.data(), static_cast<std::size_t>(n));
        frames += static_cast<std::uint64_t>(n);
    }
    if (sf_error(sf) != SF_ERR_NO_ERROR) throw Error("cannot decode " + file.string() + ": " + sf_strerror(sf));
    return {meter.integrated(), meter.true_peak_dbtp(), static_cast<double>(frames) / info.samplerate, info.channels,
            info.samplerate};
}

// libsndfile's MPEG Layer III writer (LAME) over our own file descriptor: libsndfile only logs a
// failed write and carries on, so writes go through callbacks that keep the first errno.
class Mp3Writer {
public:
    Mp3Writer(TempFile& file, int channels, int kbps) : file_(file) {
        SF_VIRTUAL_IO io{};
        io.get_filelen = [](void* self) -> sf_count_t {
            struct stat st {};
            return ::fstat(static_cast<Mp3Writer*>(self)->file_.fd(), &st) == 0 ? st.st_size : -1;
        };
        io.seek = [](sf_count_t offset, int whence, void* self) -> sf_count_t {
            return ::lseek(static_cast<Mp3Writer*>(self)->file_.fd(), offset, whence);
        };
        io.read = [](void* ptr, sf_count_t count, void* self) -> sf_count_t {
            ssize_t n = ::read(static_cast<Mp3Writer*>(self)->file_.fd(), ptr, static_cast<std::size_t>(count));
            return n < 0 ? 0 : n;
        };
        io.write = [](const void* ptr, sf_count_t count, void* self) -> sf_count_t {
            auto* w = static_cast<Mp3Writer*>(self);
            if (w->errno_) return 0;
            int err = write_all(w->file_.fd(), ptr, static_cast<std::size_t>(count));
            if (err) {
                w->errno_ = err;
                return 0;
            }
            return count;
        };
        io.tell = [](void* self) -> sf_count_t {
            return ::lseek(static_cast<Mp3Writer*>(self)->file_.fd(), 0, SEEK_CUR);
        };
        io_ = io;
        SF_INFO info{};
        info.samplerate = kOpusRate;
        info.channels = channels;
        info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
        sf_ = sf_open_virtual(&io_, SFM_WRITE, &info, this);
        if (!sf_) throw Error("cannot create MP3 " + file_.dest().string() + ": " + sf_strerror(nullptr));
        // libsndfile 1.2.0 answers SFC_SET_BITRATE_MODE with 0 even when it worked: ask it back.
        int mode = SF_BITRATE_MODE_CONSTANT;
        sf_command(sf_, SFC_SET_BITRATE_MODE, &mode, sizeof mode);
        // The level maps 0..1 onto 320..32 kbit/s and is truncated to whole kbit/s: aim half
        // a kbit/s above so the truncation lands on the rate asked for.
        double level = (320.0 - (kbps + 0.5)) / (320.0 - 32.0);
        if (sf_command(sf_, SFC_GET_BITRATE_MODE, nullptr, 0) != SF_BITRATE_MODE_CONSTANT ||
            sf_command(sf_, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level) != SF_TRUE) {
            sf_close(sf_);
            throw Error("cannot set up the MP3 encoder for " + file_.dest().string() + " (constant " +
                        std::to_string(kbps) + " kbit/s)");
        }
    }
    ~Mp3Writer() {
        if (sf_) sf_close(sf_);
    }
    Mp3Writer(const Mp3Writer&) = delete;
    Mp3Writer& operator=(const Mp3Writer&) = delete;

    void write(const float* frames, std::size_t n) {
        if (!n) return;
        sf_count_t done = sf_writef_float(sf_, frames, static_cast<sf_count_t>(n));
        check();
        if (done != static_cast<sf_count_t>(n))
            throw Error("cannot encode MP3 " + file_.dest().string() + ": " + sf_strerror(sf_));
    }
    void close() {
        int rc = sf_close(sf_);
        sf_ = nullptr;
        check();
        if (rc != 0) throw Error("cannot finish MP3 " + file_.dest().string() + ": " + sf_error_number(rc));
    }

private:
    void check() const {
        if (errno_) throw_errno("cannot write " + file_.dest().string(), errno_);
    }
    TempFile& file_;
    SF_VIRTUAL_IO io_{};
    SNDFILE* sf_ = nullptr;
    int errno_ = 0;
};

// Decodes again and runs the gain and limiter into the MP3. Returns the limiter's deepest cut.
double level_and_encode(const fs::path& opus, TempFile& out, int kbps, double gain_db, double ceiling_dbtp) {
    OpusReader reader(opus);
    const int ch = reader.channels();
    const auto nch = static_cast<std::size_t>(ch);
    out.truncate();
    Mp3Writer mp3(out, ch, kbps);
    TruePeakLimiter limiter(ch, kOpusRate, {gain_db, ceiling_dbtp});
    std::vector<float> in(kBlockFrames * nch);
    std::vector<float> levelled;
    levelled.reserve(in.size() + (limiter.latency() + 1) * nch);
    while (std::size_t n = reader.read(in.data(), kBlockFrames)) {
        levelled.clear();
        limiter.process(in.data(), n, levelled);
        mp3.write(levelled.data(), levelled.size() / nch);
    }
    levelled.clear();
    limiter.flush(levelled);
    mp3.write(levelled.data(), levelled.size() / nch);
    mp3.close();
    return limiter.max_reduction_db();
}

// Decodes again and measures the limiter's output at two gains at once (no encoding).
std::array<double, 2> measure_levelled(const fs::path& opus, std::array<double, 2> gains, double ceiling_dbtp) {
    OpusReader reader(opus);
    const int ch = reader.channels();
    const auto nch = static_cast<std::size_t>(ch);
    std::vector<float> in(kBlockFrames * nch);
    std::vector<float> levelled;
    std::array<std::optional<TruePeakLimiter>, 2> limiters;
    std::array<std::optional<Meter>, 2> meters;
    for (std::size_t i = 0; i < 2; ++i) {
        limiters[i].emplace(ch, kOpusRate, TruePeakLimiter::Options{gains[i], ceiling_dbtp});
        meters[i].emplace(ch, kOpusRate, false);
    }
    levelled.reserve(in.size() + (limiters[0]->latency() + 1) * nch);
    auto run = [&](std::size_t i, std::size_t n, bool last) {
        levelled.clear();
        if (n) limiters[i]->process(in.data(), n, levelled);
        if (last) limiters[i]->flush(levelled);
        meters[i]->add(levelled.data(), levelled.size() / nch);
    };
    while (std::size_t n = reader.read(in.data(), kBlockFrames))
        for (std::size_t i = 0; i < 2; ++i) run(i, n, false);
    for (std::size_t i = 0; i < 2; ++i) run(i, 0, true);
    return {meters[0]->integrated(), meters[1]->integrated()};
}

}  // namespace

Loudness measure_loudness(const fs::path& audio) {
    char magic[4] = {};
    {
        Fd fd = open_file(audio, O_RDONLY);
        ssize_t n = ::read(fd.get(), magic, sizeof magic);
        if (n < 0) throw_errno("cannot read " + audio.string(), errno);
    }
    if (std::memcmp(magic, "OggS", 4) == 0) return measure_opus(audio);
    return measure_sndfile(audio);
}

EpisodeAudio encode_episode_mp3(const fs::path& opus, const fs::path& mp3) {
    OpusReader{opus};  // a clear error for what is not Ogg Opus at all, before checking its end
    check_ogg_end(opus);
    EpisodeAudio result;
    result.source = measure_opus(opus);
    const Loudness& src = result.source;
    result.bitrate_kbps = src.channels == 2 ? 128 : 96;

    // The gain towards the target, capped; nothing to level in a recording under the gate.
    const bool measurable = std::isfinite(src.integrated_lufs);
    double gain = measurable ? std::min(kTargetLufs + kEncoderLossLu - src.integrated_lufs, kMaxGainDb) : 0.0;
    double ceiling = kCeilingDbtp;

    // Where the limiter will act, it takes some loudness away with the peaks. One pass measures
    // its output (without encoding) at the gain so far and 2 dB above; the gain that meets the
    // target is interpolated between the two (the curve is smooth and nearly straight there).
    if (measurable && src.true_peak_dbtp + gain > ceiling && gain < kMaxGainDb) {
        const double aim = kTargetLufs + kEncoderLossLu;
        const double g0 = gain;
        const double g1 = std::min(gain + 2.0, kMaxGainDb);
        auto [i0, i1] = measure_levelled(opus, {g0, g1}, ceiling);
        spdlog::debug("{}: limiter output {:.2f} LUFS at {:+.2f} dB, {:.2f} LUFS at {:+.2f} dB", mp3.string(), i0, g0, i1, g1);
        if (std::isfinite(i0) && std::isfinite(i1)) {
            gain = i1 - i0 > 0.05 ? g0 + (aim - i0) * (g1 - g0) / (i1 - i0) : g0 + (aim - i0);
            gain = std::clamp(gain, g0 - 6.0, kMaxGainDb);
        }
    }

    TempFile out(mp3);
    for (int attempt = 1;; ++attempt) {
        double cut = level_and_encode(opus, out, result.bitrate_kbps, gain, ceiling);
        result.gain_db = gain;
        result.levelled = measure_sndfile(out.path());
        const Loudness& lv = result.levelled;
        spdlog::debug("{}: gain {:+.2f} dB, ceiling {:.2f} dBTP, limiter up to {:.2f} dB: MP3 {:.2f} LUFS, {:.2f} dBTP",
                      mp3.string(), gain, ceiling, cut, lv.integrated_lufs, lv.true_peak_dbtp);

        const bool peak_ok = lv.true_peak_dbtp <= kAcceptPeakDbtp;
        // Too quiet is accepted only when the cap (or silence) is what holds it down.
        const bool can_raise = measurable && gain < kMaxGainDb;
        const bool loud_ok = !measurable || !std::isfinite(lv.integrated_lufs) ||
                             std::fabs(lv.integrated_lufs - kTargetLufs) <= kAcceptLoudnessLu ||
                             (lv.integrated_lufs < kTargetLufs && !can_raise);
        if (peak_ok && loud_ok) break;
        if (attempt == kMaxAttempts) {
            spdlog::warn("{}: after {} encodings the MP3 measures {:.2f} LUFS, {:.2f} dBTP (target {:.0f} LUFS, at most {:.0f} dBTP)",
                         mp3.string(), attempt, lv.integrated_lufs, lv.true_peak_dbtp, kTargetLufs, kMaxTruePeakDbtp);
            break;
        }
        if (!peak_ok) ceiling -= lv.true_peak_dbtp - kAcceptPeakDbtp + 0.2;
        if (!loud_ok && std::isfinite(lv.integrated_lufs)) gain = std::min(gain + kTargetLufs - lv.integrated_lufs, kMaxGainDb);
    }
    result.bytes = out.commit();
    spdlog::info("{}: {:.1f} s, {:.1f} LUFS -> {:.1f} LUFS, true peak {:.1f} -> {:.1f} dBTP, gain {:+.1f} dB, {} kbit/s",
                 mp3.string(), src.duration_s, src.integrated_lufs, result.levelled.integrated_lufs, src.true_peak_dbtp,
                 result.levelled.true_peak_dbtp, result.gain_db, result.bitrate_kbps);
    return result;
}

}  // namespace sb::storysync
