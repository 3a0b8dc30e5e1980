#pragma once
// Turns the microphones into the listening copy's channels.
//
// One mic: mono, unchanged. Two mics: a balanced stereo image — each voice placed half-way
// towards its own side with a constant-power pan, so both are heard in both ears and neither
// disappears on mono playback.
#include <cstddef>
#include <cstdint>

namespace sb {

class Mixer {
public:
    explicit Mixer(int mics);
    int output_channels() const noexcept { return mics_ == 2 ? 2 : 1; }
    // `in`: interleaved 16-bit frames of `mics` channels. `out`: interleaved float frames of
    // output_channels(), full scale = 1.0.
    void mix(const std::int16_t* in, float* out, std::size_t nframes) const noexcept;

    // Gains of mic 1 into the left and right output (mic 2 mirrors them).
    float near_gain() const noexcept { return near_; }
    float far_gain() const noexcept { return far_; }

private:
    int mics_;
    float near_;
    float far_;
};

}  // namespace sb
