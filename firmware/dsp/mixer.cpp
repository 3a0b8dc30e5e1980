#include "dsp/mixer.hpp"

#include <cmath>

namespace sb {

namespace {
constexpr float kScale = 1.0f / 32768.0f;
// Pan position -0.5 (half-way left) on a constant-power law: angle = (pan + 1) * pi / 4.
constexpr double kPi = 3.14159265358979323846;
constexpr double kAngle = (1.0 - 0.5) * kPi / 4.0;
}  // namespace

Mixer::Mixer(int mics)
    : mics_(mics == 2 ? 2 : 1),
      near_(static_cast<float>(std::cos(kAngle))),
      far_(static_cast<float>(std::sin(kAngle))) {}

void Mixer::mix(const std::int16_t* in, float* out, std::size_t nframes) const noexcept {
    if (mics_ == 1) {
        for (std::size_t i = 0; i < nframes; ++i) out[i] = in[i] * kScale;
        return;
    }
    const float n = near_ * kScale;
    const float f = far_ * kScale;
    for (std::size_t i = 0; i < nframes; ++i) {
        const float a = in[2 * i];
        const float b = in[2 * i + 1];
        out[2 * i] = n * a + f * b;
        out[2 * i + 1] = f * a + n * b;
    }
}

}  // namespace sb
