#include "capture/file_source.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "support/support.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>

namespace {

sbtest::Pcm ramp(int rate, int channels, std::size_t frames) {
    sbtest::Pcm p;
    p.rate = rate;
    p.channels = channels;
    for (std::size_t i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c) p.samples.push_back(static_cast<std::int16_t>((i * 7 + static_cast<std::size_t>(c) * 1000) % 60000 - 30000));
    return p;
}

std::vector<std::int16_t> drain(sb::CaptureSink& sink, std::size_t want_samples, std::chrono::seconds timeout) {
    std::vector<std::int16_t> got;
    std::int16_t buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.size() < want_samples && std::chrono::steady_clock::now() < deadline) {
        std::size_t n = sink.ring().read(buf, 4096);
        got.insert(got.end(), buf, buf + n);
        if (n == 0) {
            if (sink.status() == sb::SourceStatus::ended && sink.ring().read_available() == 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    return got;
}

}  // namespace

TEST(FileSource, DeliversEveryFrameBitExactThenEnds) {
    sbtest::TempDir t;
    auto in = ramp(48000, 2, 100'000);
    sbtest::write_wav(t / "in.wav", in);
    sb::FileSource src(t / "in.wav", 0, false);
    EXPECT_EQ(src.format().channels, 2);
    EXPECT_EQ(src.format().sample_rate, 48000);
    sb::CaptureSink sink(2, 4096);  // smaller than the file: the source must wait, not drop
    src.start(sink);
    auto got = drain(sink, in.samples.size(), std::chrono::seconds(20));
    src.stop();
    EXPECT_EQ(got, in.samples);
    EXPECT_EQ(sink.frames_dropped(), 0u);
    EXPECT_EQ(sink.status(), sb::SourceStatus::ended);
}

TEST(FileSource, TakesTheFirstChannelForOneMic) {
    sbtest::TempDir t;
    auto in = ramp(44100, 2, 5000);
    sbtest::write_wav(t / "in.wav", in);
    sb::FileSource src(t / "in.wav", 1, false);
    EXPECT_EQ(src.format().channels, 1);
    EXPECT_EQ(src.format().sample_rate, 44100);
    sb::CaptureSink sink(1, 8192);
    src.start(sink);
    auto got = drain(sink, 5000, std::chrono::seconds(10));
    src.stop();
    ASSERT_EQ(got.size(), 5000u);
    for (std::size_t i = 0; i < 5000; ++i) ASSERT_EQ(got[i], in.samples[2 * i]);
}

TEST(FileSource, RealtimeDeliversAtThePaceOfAMicrophone) {
    sbtest::TempDir t;
    sbtest::write_wav(t / "in.wav", ramp(48000, 1, 48000 * 5));
    sb::FileSource src(t / "in.wav", 1, true);
    sb::CaptureSink sink(1, 48000 * 10);
    const auto t0 = std::chrono::steady_clock::now();
    src.start(sink);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double delivered = static_cast<double>(sink.frames_pushed()) / 48000.0;
    src.stop();
    // Paced, not dumped: nowhere near the 5 s the file holds.
    EXPECT_LT(delivered, elapsed + 0.05);
    EXPECT_GT(delivered, 0.2);
}

TEST(FileSource, MissingFileIsAClearError) {
    try {
        sb::FileSource src("/nonexistent/interview.wav", 0, false);
        FAIL();
    } catch (const sb::Error& e) {
        EXPECT_STREQ(e.what(), "input file /nonexistent/interview.wav does not exist");
    }
}

TEST(FileSource, TextFileIsRefusedAsNotAudio) {
    sbtest::TempDir t;
    sb::write_file_atomic(t / "notes.wav", "this is not a sound file, just words\n");
    try {
        sb::FileSource src(t / "notes.wav", 0, false);
        FAIL();
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("notes.wav"), std::string::npos);
    }
}

TEST(FileSource, AskingForTwoMicsFromAMonoFileIsRefused) {
    sbtest::TempDir t;
    sbtest::write_wav(t / "mono.wav", ramp(48000, 1, 1000));
    EXPECT_THROW(sb::FileSource(t / "mono.wav", 2, false), sb::Error);
}

TEST(FileSource, UnsupportedSampleRateIsRefusedWithTheFix) {
    sbtest::TempDir t;
    sbtest::write_wav(t / "phone.wav", ramp(8000, 1, 1000));
    try {
        sb::FileSource src(t / "phone.wav", 0, false);
        FAIL();
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("8000 Hz"), std::string::npos) << e.what();
    }
}
