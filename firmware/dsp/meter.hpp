#pragma once
// Per-channel level meter over a window: peak, RMS and clipped samples of 16-bit PCM.
#include <array>
#include <cstddef>
#include <cstdint>

namespace sb {

inline constexpr int kMaxChannels = 2;

struct ChannelLevel {
    float peak_dbfs = -120.0f;  // -120 stands for silence
    float rms_dbfs = -120.0f;
    std::uint32_t clipped = 0;  // samples at full scale in this window
};

struct Levels {
    int channels = 0;
    std::array<ChannelLevel, kMaxChannels> ch{};
};

class Meter {
public:
    explicit Meter(int channels);
    // Interleaved frames of `channels` samples.
    void add(const std::int16_t* frames, std::size_t nframes) noexcept;
    // Levels since the last take, then starts a new window.
    Levels take() noexcept;
    int channels() const noexcept { return channels_; }

private:
    int channels_;
    std::array<std::int32_t, kMaxChannels> peak_{};
    std::array<double, kMaxChannels> sumsq_{};
    std::array<std::uint32_t, kMaxChannels> clipped_{};
    std::size_t frames_ = 0;
};

// 20*log10(x) with x<=1e-6 mapped to -120.
float to_dbfs(double linear) noexcept;

}  // namespace sb
