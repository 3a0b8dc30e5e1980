#include "dsp/meter.hpp"

#include <cmath>
#include <cstdlib>

namespace sb {

float to_dbfs(double linear) noexcept {
    if (linear <= 1e-6) return -120.0f;
    return static_cast<float>(20.0 * std::log10(linear));
}

Meter::Meter(int channels) : channels_(channels < 1 ? 1 : (channels > kMaxChannels ? kMaxChannels : channels)) {}

namespace {

// One channel of interleaved frames with a compile-time stride, so the compiler can vectorise it.
template <std::size_t Stride>
void measure(const std::int16_t* x, std::size_t n, std::int32_t& peak, double& sumsq, std::uint32_t& clipped) {
    std::int32_t p = 0;
    std::int64_t sq = 0;  // 16-bit squares: no overflow for hours of audio
    std::uint32_t clip = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t v = x[i * Stride];
        const std::int32_t a = v < 0 ? -v : v;
        p = a > p ? a : p;
        sq += v * v;
        clip += a >= 32767 ? 1u : 0u;
    }
    peak = p > peak ? p : peak;
    sumsq += static_cast<double>(sq);
    clipped += clip;
}

}  // namespace

void Meter::add(const std::int16_t* frames, std::size_t nframes) noexcept {
    if (channels_ == 1) {
        measure<1>(frames, nframes, peak_[0], sumsq_[0], clipped_[0]);
    } else {
        measure<2>(frames, nframes, peak_[0], sumsq_[0], clipped_[0]);
        measure<2>(frames + 1, nframes, peak_[1], sumsq_[1], clipped_[1]);
    }
    frames_ += nframes;
}

Levels Meter::take() noexcept {
    Levels out;
    out.channels = channels_;
    for (int c = 0; c < channels_; ++c) {
        out.ch[c].peak_dbfs = to_dbfs(peak_[c] / 32768.0);
        out.ch[c].rms_dbfs = frames_ ? to_dbfs(std::sqrt(sumsq_[c] / static_cast<double>(frames_)) / 32768.0) : -120.0f;
        out.ch[c].clipped = clipped_[c];
        peak_[c] = 0;
        sumsq_[c] = 0;
        clipped_[c] = 0;
    }
    frames_ = 0;
    return out;
}

}  // namespace sb
