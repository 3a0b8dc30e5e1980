#include "dsp/loudness.hpp"

#include "common/error.hpp"

#include <cmath>
#include <ebur128.h>

namespace sb {

Loudness::Loudness(int channels, int sample_rate) : channels_(channels) {
    st_ = ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(sample_rate),
                       EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_HISTOGRAM);
    if (!st_) throw Error("cannot start the loudness meter (libebur128)");
}

Loudness::~Loudness() {
    if (st_) ebur128_destroy(&st_);
}

void Loudness::add(const float* interleaved, std::size_t nframes) {
    ebur128_add_frames_float(st_, interleaved, nframes);
}

std::optional<double> Loudness::integrated_lufs() const {
    double l = 0;
    if (ebur128_loudness_global(st_, &l) != EBUR128_SUCCESS || !std::isfinite(l)) return std::nullopt;
    return l;
}

std::optional<double> Loudness::true_peak_dbtp() const {
    double peak = 0;
    for (int c = 0; c < channels_; ++c) {
        double p = 0;
        if (ebur128_true_peak(st_, static_cast<unsigned>(c), &p) == EBUR128_SUCCESS && p > peak) peak = p;
    }
    if (peak <= 0) return std::nullopt;
    return 20.0 * std::log10(peak);
}

int r128_gain_q78(double lufs) {
    double q = std::round((-23.0 - lufs) * 256.0);
    if (q > 32767) q = 32767;
    if (q < -32768) q = -32768;
    return static_cast<int>(q);
}

}  // namespace sb
