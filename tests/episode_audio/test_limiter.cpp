// The look-ahead true-peak limiter and the true-peak meter, on synthetic signals, with
// libebur128's own true-peak meter as the independent judge.
#include "episode_audio/limiter.hpp"

#include <ebur128.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using sb::storysync::TruePeakLimiter;
using sb::storysync::TruePeakMeter;
constexpr double kPi = 3.14159265358979323846;

double ebur128_true_peak_db(const std::vector<float>& x, int channels) {
    ebur128_state* st = ebur128_init(static_cast<unsigned>(channels), 48000, EBUR128_MODE_TRUE_PEAK);
    ebur128_add_frames_float(st, x.data(), x.size() / static_cast<std::size_t>(channels));
    double peak = 0.0;
    for (int c = 0; c < channels; ++c) {
        double p = 0.0;
        ebur128_true_peak(st, static_cast<unsigned>(c), &p);
        peak = std::max(peak, p);
    }
    ebur128_destroy(&st);
    return 20.0 * std::log10(peak);
}

std::vector<float> run(TruePeakLimiter& lim, const std::vector<float>& in, int channels, std::size_t block) {
    std::vector<float> out;
    const std::size_t frames = in.size() / static_cast<std::size_t>(channels);
    for (std::size_t f = 0; f < frames; f += block) {
        std::size_t n = std::min(block, frames - f);
        lim.process(in.data() + f * static_cast<std::size_t>(channels), n, out);
    }
    lim.flush(out);
    return out;
}

// A tone at a quarter of the sample rate, phased so every sample sits at 0.707 of its peak:
// the sample peak is 3 dB under the true peak, the case sample-peak limiters miss.
std::vector<float> intersample_tone(double amplitude, std::size_t frames, int channels) {
    std::vector<float> x(frames * static_cast<std::size_t>(channels));
    for (std::size_t i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c)
            x[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
                static_cast<float>(amplitude * std::sin(kPi / 2 * static_cast<double>(i) + kPi / 4));
    return x;
}

TEST(TruePeakLimiter, HoldsIntersamplePeaksUnderTheCeiling) {
    // +6 dB of gain on a tone whose true peak is at -1 dBFS: 7 dB over a -2 dBTP ceiling.
    auto in = intersample_tone(std::pow(10.0, -1.0 / 20), 48000, 2);
    TruePeakLimiter::Options o;
    o.gain_db = 6.0;
    o.ceiling_dbtp = -2.0;
    TruePeakLimiter lim(2, 48000, o);
    auto out = run(lim, in, 2, 960);
    ASSERT_EQ(out.size(), in.size());
    EXPECT_LE(ebur128_true_peak_db(out, 2), -2.0 + 0.05);
    // Steady state: 7 dB down.
    const float g = static_cast<float>(std::pow(10.0, 6.0 / 20));
    EXPECT_NEAR(20.0 * std::log10(std::fabs(out[2 * 24001]) / std::fabs(in[2 * 24001] * g)), -7.0, 0.1);
    EXPECT_NEAR(lim.max_reduction_db(), 7.0, 0.2);
    // The samples alone would have passed a sample-peak check with room to spare.
    float sample_peak = 0.0f;
    for (float v : out) sample_peak = std::max(sample_peak, std::fabs(v));
    EXPECT_LT(20.0 * std::log10(sample_peak), -4.5);
}

TEST(TruePeakLimiter, TurnsDownBeforeASuddenPeakAndComesBackSmoothly) {
    // Quiet tone, then a burst 20 dB louder: the gain must already be down when the burst starts.
    const int rate = 48000;
    std::vector<float> in(rate);
    for (int i = 0; i < rate; ++i) {
        double amp = (i >= 24000 && i < 26400) ? 1.0 : 0.1;
        in[static_cast<std::size_t>(i)] = static_cast<float>(amp * std::sin(2 * kPi * 440.0 * i / rate));
    }
    TruePeakLimiter::Options o;
    o.ceiling_dbtp = -3.0;
    TruePeakLimiter lim(1, rate, o);
    auto out = run(lim, in, 1, 777);
    ASSERT_EQ(out.size(), in.size());
    EXPECT_LE(ebur128_true_peak_db(out, 1), -3.0 + 0.05);
    // The gain never jumps: sample-to-sample gain changes are small (no clicks).
    double worst_step = 0.0;
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (std::fabs(in[i]) < 0.05 || std::fabs(in[i - 1]) < 0.05) continue;
        worst_step = std::max(worst_step, static_cast<double>(std::fabs(out[i] / in[i] - out[i - 1] / in[i - 1])));
    }
    EXPECT_LT(worst_step, 0.005);
    // Before the ramp the quiet tone is untouched; 0.4 s after the burst it is back to within 1 %.
    EXPECT_EQ(out[20000], in[20000]);
    EXPECT_NEAR(out[47000] / in[47000], 1.0, 0.01);
}

TEST(TruePeakLimiter, LeavesAudioUnderTheCeilingUntouchedApartFromGain) {
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    std::vector<float> in(2 * 30000);
    for (float& v : in) v = std::clamp(noise(rng), -0.2f, 0.2f);
    TruePeakLimiter::Options o;
    o.gain_db = 6.0;  // x2: peaks at 0.4, far under -1 dBTP
    o.ceiling_dbtp = -1.0;
    TruePeakLimiter lim(2, 48000, o);
    auto out = run(lim, in, 2, 4096);
    ASSERT_EQ(out.size(), in.size());
    const float g = static_cast<float>(std::pow(10.0, 6.0 / 20));
    for (std::size_t i = 0; i < in.size(); ++i) ASSERT_FLOAT_EQ(out[i], in[i] * g) << i;
    EXPECT_EQ(lim.limited_frames(), 0u);
    EXPECT_EQ(lim.max_reduction_db(), 0.0);
}

TEST(TruePeakLimiter, OutputLengthMatchesInputForAnyBlockSize) {
    auto in = intersample_tone(0.9, 1001, 1);
    for (std::size_t block : {1u, 7u, 480u, 5000u}) {
        TruePeakLimiter lim(1, 48000, {});
        EXPECT_EQ(run(lim, in, 1, block).size(), in.size()) << block;
    }
    TruePeakLimiter empty(2, 48000, {});
    std::vector<float> out;
    empty.flush(out);
    EXPECT_TRUE(out.empty());
}

TEST(TruePeakMeter, AgreesWithLibebur128OnTonesAndNoise) {
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.2f);
    // Noise with its top octave rolled off, as in recorded audio (meters differ most at Nyquist).
    std::vector<float> noisy(2 * 48000);
    float prev[2] = {0.0f, 0.0f};
    for (std::size_t i = 0; i < noisy.size(); ++i) {
        float v = noise(rng);
        noisy[i] = 0.5f * (v + prev[i % 2]);
        prev[i % 2] = v;
    }
    for (const auto& [signal, channels] : {std::pair{intersample_tone(0.5, 48000, 1), 1},
                                           std::pair{intersample_tone(0.8, 48000, 2), 2},
                                           std::pair{noisy, 2}}) {
        TruePeakMeter m(channels);
        const std::size_t frames = signal.size() / static_cast<std::size_t>(channels);
        for (std::size_t f = 0; f < frames; f += 333)
            m.add(signal.data() + f * static_cast<std::size_t>(channels), std::min<std::size_t>(333, frames - f));
        EXPECT_NEAR(20.0 * std::log10(m.peak()), ebur128_true_peak_db(signal, channels), 0.15);
    }
    TruePeakMeter silent(1);
    std::vector<float> zeros(1000, 0.0f);
    silent.add(zeros.data(), zeros.size());
    EXPECT_EQ(silent.peak(), 0.0);
}

}  // namespace
