#pragma once
// Helpers for the episode-audio tests: generated speech as Ogg Opus, and ffmpeg/ffprobe as the
// independent judges of the MP3 (loudness, true peak, format, tags).
#include "support/support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

namespace eatest {

namespace fs = std::filesystem;
using sbtest::q;

// Runs a shell command; fails the test (with its output) if it does not exit 0.
inline std::string sh(const std::string& cmd) {
    auto r = sbtest::run(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
    return r.out;
}

// About 7 s of espeak-ng speech at 48 kHz, 16-bit; voice 0 or 1 (a man's and a woman's).
inline fs::path speech_wav(const fs::path& dir, int voice) {
    fs::path raw = dir / ("raw" + std::to_string(voice) + ".wav");
    fs::path out = dir / ("speech" + std::to_string(voice) + ".wav");
    const char* v = voice == 0 ? "en-us+m3" : "en+f2";
    const char* text = voice == 0
        ? "Thank you for sitting down with me today. Where did you grow up, and what do you remember about the river?"
        : "I grew up in a small town by the river. Every summer we swam off the old wooden dock with my brothers.";
    sh("espeak-ng -v " + std::string(v) + " -s 150 -w " + q(raw.string()) + " " + q(text));
    sh("sox " + q(raw.string()) + " -r 48000 -b 16 " + q(out.string()) + " pad 0 0.3");
    return out;
}

// Speech (mono, or stereo with one voice a side) through `effects` (sox effects), as Ogg Opus.
inline fs::path speech_opus(const fs::path& dir, const std::string& name, int channels, const std::string& effects) {
    fs::path a = speech_wav(dir, 0);
    fs::path wav = dir / (name + ".wav");
    if (channels == 1) {
        sh("sox " + q(a.string()) + " " + q(wav.string()) + " " + effects + " 2>/dev/null");
    } else {
        fs::path b = speech_wav(dir, 1);
        sh("sox -M " + q(a.string()) + " " + q(b.string()) + " " + q(wav.string()) + " " + effects + " 2>/dev/null");
    }
    fs::path opus = dir / (name + ".opus");
    sh("opusenc --quiet " + q(wav.string()) + " " + q(opus.string()));
    return opus;
}

struct R128 {
    double integrated = 0.0;
    double true_peak = 0.0;
};

// ffmpeg's ebur128 filter (its own implementation, not libebur128): the Summary's I and Peak.
inline R128 ffmpeg_r128(const fs::path& file) {
    auto r = sbtest::run("ffmpeg -hide_banner -nostats -i " + q(file.string()) + " -af ebur128=peak=true -f null - 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    std::string out = r.out;
    auto summary = out.rfind("Summary:");
    EXPECT_NE(summary, std::string::npos) << out;
    if (summary == std::string::npos) return {};
    std::string tail = out.substr(summary);
    std::smatch m;
    R128 res;
    EXPECT_TRUE(std::regex_search(tail, m, std::regex(R"(I:\s+(-?[0-9.]+|-inf)\s+LUFS)"))) << tail;
    if (!m.empty()) res.integrated = m[1] == "-inf" ? -1e9 : std::stod(m[1]);
    EXPECT_TRUE(std::regex_search(tail, m, std::regex(R"(Peak:\s+(-?[0-9.]+|-inf)\s+dBFS)"))) << tail;
    if (!m.empty()) res.true_peak = m[1] == "-inf" ? -1e9 : std::stod(m[1]);
    return res;
}

// ffprobe's view of a file: {"streams": [...], "format": {...}}.
inline nlohmann::json ffprobe(const fs::path& file) {
    std::string out = sh("ffprobe -v error -print_format json -show_format -show_streams " + q(file.string()));
    return nlohmann::json::parse(out, nullptr, false);
}

inline double opus_seconds(const fs::path& opus) {
    return static_cast<double>(sbtest::opus_samples(opus)) / 48000.0;
}

}  // namespace eatest
