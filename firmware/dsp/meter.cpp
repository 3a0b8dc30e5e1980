#include "dsp/meter.hpp"

#include <cmath>
#include <cstdlib>

namespace sb {

float to_dbfs(double linear) noexcept {
    if (linear <= 1e-6) return -120.0f;
    return static_cast<float>(20.0 * std::log10(linear));
}

Meter::Meter(int channels) : channels_(channels < 1 ? 1 : (channels > kMaxChannels ? kMaxChannels : channels)) {}

void Meter::add(const std::int16_t* frames, std::size_t nframes) noexcept {
    const auto ch = static_cast<std::size_t>(channels_);
    for (std::size_t c = 0; c < ch; ++c) {
        std::int32_t peak = peak_[c];
        std::int64_t sumsq = 0;  // 16-bit squares: no overflow for hours of audio
        std::uint32_t clipped = 0;
        for (std::size_t i = 0; i < nframes; ++i) {
            const std::int32_t s = frames[i * ch + c];
            const std::int32_t a = s < 0 ? -s : s;
            peak = a > peak ? a : peak;
            sumsq += s * s;
            clipped += (a >= 32767) ? 1u : 0u;
        }
        peak_[c] = peak;
        sumsq_[c] += static_cast<double>(sumsq);
        clipped_[c] += clipped;
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
