#include "dsp/loudness.hpp"
#include "dsp/meter.hpp"
#include "dsp/mixer.hpp"

#include <cmath>
#include <ebur128.h>
#include <random>
#include <gtest/gtest.h>
#include <vector>

namespace {
constexpr double kPi = 3.14159265358979323846;

std::vector<float> sine(double amp, double freq, int rate, double seconds, int channels) {
    const auto n = static_cast<std::size_t>(rate * seconds);
    std::vector<float> v(n * static_cast<std::size_t>(channels));
    for (std::size_t i = 0; i < n; ++i)
        for (int c = 0; c < channels; ++c)
            v[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
                static_cast<float>(amp * std::sin(2 * kPi * freq * static_cast<double>(i) / rate));
    return v;
}
}  // namespace

TEST(Meter, ReportsPeakRmsAndClipsPerChannel) {
    sb::Meter m(2);
    std::vector<std::int16_t> s;
    for (int i = 0; i < 1000; ++i) {
        s.push_back(i % 2 ? 16384 : -16384);  // channel 1: square wave at -6 dBFS
        s.push_back(i == 10 ? 32767 : 0);      // channel 2: silent but for one clipped sample
    }
    m.add(s.data(), 1000);
    sb::Levels l = m.take();
    EXPECT_EQ(l.channels, 2);
    EXPECT_NEAR(l.ch[0].peak_dbfs, -6.02, 0.01);
    EXPECT_NEAR(l.ch[0].rms_dbfs, -6.02, 0.01);
    EXPECT_EQ(l.ch[0].clipped, 0u);
    EXPECT_NEAR(l.ch[1].peak_dbfs, 0.0, 0.01);
    EXPECT_EQ(l.ch[1].clipped, 1u);
}

TEST(Meter, TakeStartsANewWindow) {
    sb::Meter m(1);
    std::int16_t loud[4] = {30000, -30000, 30000, -30000};
    m.add(loud, 4);
    m.take();
    sb::Levels l = m.take();
    EXPECT_EQ(l.ch[0].peak_dbfs, -120.0f);
    EXPECT_EQ(l.ch[0].rms_dbfs, -120.0f);
}

TEST(Mixer, OneMicIsMonoAndUnchanged) {
    sb::Mixer m(1);
    EXPECT_EQ(m.output_channels(), 1);
    std::int16_t in[3] = {16384, -32768, 0};
    float out[3];
    m.mix(in, out, 3);
    EXPECT_FLOAT_EQ(out[0], 0.5f);
    EXPECT_FLOAT_EQ(out[1], -1.0f);
    EXPECT_FLOAT_EQ(out[2], 0.0f);
}

TEST(Mixer, TwoMicsMakeABalancedStereoImageWithConstantPower) {
    sb::Mixer m(2);
    EXPECT_EQ(m.output_channels(), 2);
    // Each voice is heard on both sides, louder on its own, with constant power.
    EXPECT_GT(m.near_gain(), m.far_gain());
    EXPECT_GT(m.far_gain(), 0.2f);
    EXPECT_NEAR(m.near_gain() * m.near_gain() + m.far_gain() * m.far_gain(), 1.0, 1e-6);
    std::int16_t in[4] = {16384, 0, 0, 16384};  // frame 1: mic 1 only; frame 2: mic 2 only
    float out[4];
    m.mix(in, out, 2);
    EXPECT_FLOAT_EQ(out[0], 0.5f * m.near_gain());
    EXPECT_FLOAT_EQ(out[1], 0.5f * m.far_gain());
    EXPECT_FLOAT_EQ(out[2], out[1]);  // mirrored
    EXPECT_FLOAT_EQ(out[3], out[0]);
}

TEST(Loudness, SineAtMinus20DbfsMeasuresAsEbuReferenceSays) {
    // EBU Tech 3341: a 997 Hz stereo sine at -20 dBFS reads -20 LUFS (within 0.1 LU).
    const double amp = std::pow(10.0, -20.0 / 20.0);
    auto v = sine(amp, 997, 48000, 20, 2);
    sb::Loudness l(2, 48000);
    l.add(v.data(), v.size() / 2);
    ASSERT_TRUE(l.integrated_lufs());
    EXPECT_NEAR(*l.integrated_lufs(), -20.0, 0.1);
    ASSERT_TRUE(l.true_peak_dbtp());
    EXPECT_NEAR(*l.true_peak_dbtp(), -20.0, 0.2);
}

TEST(Loudness, SilenceHasNoLoudnessRatherThanMinusInfinity) {
    std::vector<float> v(48000 * 2, 0.0f);
    sb::Loudness l(1, 48000);
    l.add(v.data(), v.size());
    EXPECT_FALSE(l.integrated_lufs());
    EXPECT_FALSE(l.true_peak_dbtp());
}

TEST(Loudness, R128GainIsQ78RelativeToMinus23Lufs) {
    EXPECT_EQ(sb::r128_gain_q78(-23.0), 0);
    EXPECT_EQ(sb::r128_gain_q78(-16.0), -1792);
    EXPECT_EQ(sb::r128_gain_q78(-30.0), 1792);
}

namespace {

// libebur128's figures for the same audio: the reference our own meter is held to.
struct Reference {
    double lufs, tp_db;
};
Reference reference(const std::vector<float>& v, int channels, int rate) {
    ebur128_state* st = ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(rate),
                                     EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    ebur128_add_frames_float(st, v.data(), v.size() / static_cast<std::size_t>(channels));
    Reference r{};
    ebur128_loudness_global(st, &r.lufs);
    double peak = 0;
    for (int c = 0; c < channels; ++c) {
        double p = 0;
        ebur128_true_peak(st, static_cast<unsigned>(c), &p);
        peak = std::max(peak, p);
    }
    r.tp_db = 20 * std::log10(peak);
    ebur128_destroy(&st);
    return r;
}

// Speech-like test audio: noise bursts shaped by a syllable-rate envelope, with pauses.
std::vector<float> babble(int channels, int rate, double seconds, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    const auto n = static_cast<std::size_t>(rate * seconds);
    std::vector<float> v(n * static_cast<std::size_t>(channels));
    float lp[2] = {0, 0};
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / rate;
        const double env = std::max(0.0, std::sin(2 * kPi * 4.0 * t)) * (std::fmod(t, 3.0) < 2.2 ? 1.0 : 0.02);
        for (int c = 0; c < channels; ++c) {
            lp[c] = 0.7f * lp[c] + 0.3f * noise(rng);  // a little low-pass colour
            v[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
                static_cast<float>(0.25 * env * (c == 0 ? 1.0 : 0.4)) * lp[c] * 3.0f;
        }
    }
    return v;
}

void expect_matches_reference(const std::vector<float>& v, int channels, int rate, std::size_t chunk) {
    sb::Loudness l(channels, rate);
    for (std::size_t off = 0; off < v.size(); off += chunk * static_cast<std::size_t>(channels))
        l.add(v.data() + off, std::min(chunk, (v.size() - off) / static_cast<std::size_t>(channels)));
    const Reference ref = reference(v, channels, rate);
    ASSERT_TRUE(l.integrated_lufs());
    EXPECT_NEAR(*l.integrated_lufs(), ref.lufs, 0.05);
    ASSERT_TRUE(l.true_peak_dbtp());
    EXPECT_NEAR(*l.true_peak_dbtp(), ref.tp_db, 0.15);
}

}  // namespace

TEST(Loudness, AgreesWithLibebur128OnSpeechLikeStereoAt48kHz) { expect_matches_reference(babble(2, 48000, 30, 1), 2, 48000, 960); }
TEST(Loudness, AgreesWithLibebur128OnMonoAt44100Hz) { expect_matches_reference(babble(1, 44100, 20, 2), 1, 44100, 441); }
TEST(Loudness, ChunkSizeDoesNotChangeTheResult) { expect_matches_reference(babble(2, 48000, 12, 3), 2, 48000, 37); }

TEST(Loudness, TruePeakSeesOvershootBetweenSamples) {
    // A sine at fs/4 sampled 45 degrees off its crests: samples read -3 dB, the wave peaks at 0.
    std::vector<float> v(48000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(0.5 * std::sin(kPi / 2 * static_cast<double>(i) + kPi / 4));
    sb::Loudness l(1, 48000);
    l.add(v.data(), v.size());
    const Reference ref = reference(v, 1, 48000);
    EXPECT_NEAR(*l.true_peak_dbtp(), 20 * std::log10(0.5), 0.3);
    EXPECT_NEAR(*l.true_peak_dbtp(), ref.tp_db, 0.3);
}
