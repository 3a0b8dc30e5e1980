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
    for (std::size_t i = 0; i < nframes; ++i) {
        for (int c = 0; c < channels_; ++c) {
            const std::int32_t s = frames[i * static_cast<std::size_t>(channels_) + static_cast<std::size_t>(c)];
            const std::int32_t a = s < 0 ? -s : s;
            if (a > peak_[c]) peak_[c] = a;
            sumsq_[c] += static_cast<double>(s) * s;
            if (s >= 32767 || s <= -32768) ++clipped_[c];
        }
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
