#include "common/error.hpp"
#include "encode/flac_writer.hpp"
#include "encode/opus_writer.hpp"
#include "support/support.hpp"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace {

std::vector<float> tone(int frames, int channels) {
    std::vector<float> v(static_cast<std::size_t>(frames * channels));
    for (int i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c)
            v[static_cast<std::size_t>(i * channels + c)] = 0.3f * static_cast<float>(std::sin(i * 0.05 * (c + 1)));
    return v;
}

// (granule, offset) of each page, read straight from the bytes.
std::vector<std::pair<std::int64_t, std::size_t>> pages(const std::string& b) {
    std::vector<std::pair<std::int64_t, std::size_t>> out;
    std::size_t pos = 0;
    while (pos + 27 <= b.size() && b.compare(pos, 4, "OggS") == 0) {
        std::int64_t g;
        std::memcpy(&g, b.data() + pos + 6, 8);
        const auto nseg = static_cast<unsigned char>(b[pos + 26]);
        std::size_t body = 0;
        for (unsigned i = 0; i < nseg; ++i) body += static_cast<unsigned char>(b[pos + 27 + i]);
        out.emplace_back(g, pos);
        pos += 27 + nseg + body;
    }
    return out;
}

}  // namespace

TEST(OpusWriter, PagesLeaveAtMostAQuarterSecondOfAudioApart) {
    sbtest::TempDir t;
    sb::OpusSettings s;
    s.channels = 2;
    {
        sb::OpusWriter w(t / "a.opus", s, {{"TITLE", "cadence"}});
        auto v = tone(48000 * 10, 2);
        for (int i = 0; i < 500; ++i) ASSERT_TRUE(w.write(v.data() + i * 960 * 2, 960));
        ASSERT_TRUE(w.finish());
    }
    auto p = pages(sb::read_file(t / "a.opus"));
    ASSERT_GT(p.size(), 40u);
    std::int64_t prev = 0, max_gap = 0;
    for (std::size_t i = 2; i < p.size(); ++i) {  // after the two header pages
        max_gap = std::max(max_gap, p[i].first - prev);
        prev = p[i].first;
    }
    EXPECT_LE(max_gap, 48000 / 4) << "largest gap " << max_gap << " samples";
    EXPECT_EQ(sbtest::opus_samples(t / "a.opus"), 48000 * 10);
}

TEST(OpusWriter, HeadersAreOnDiskBeforeAnyAudio) {
    sbtest::TempDir t;
    sb::OpusWriter w(t / "b.opus", sb::OpusSettings{}, {{"TITLE", "early"}});
    auto p = pages(sb::read_file(t / "b.opus"));
    ASSERT_EQ(p.size(), 2u);  // OpusHead and OpusTags, nothing else yet
}

TEST(OpusWriter, ResamplesA44100HzInputTo48kHz) {
    sbtest::TempDir t;
    sb::OpusSettings s;
    s.input_rate = 44100;
    {
        sb::OpusWriter w(t / "c.opus", s, {});
        auto v = tone(44100, 1);
        ASSERT_TRUE(w.write(v.data(), 44100));
        ASSERT_TRUE(w.finish());
    }
    EXPECT_NEAR(static_cast<double>(sbtest::opus_samples(t / "c.opus")), 48000.0, 2.0);
}

TEST(OpusWriter, AFullDiskIsAnIoErrorThatSaysSo) {
    try {
        sb::OpusWriter w("/dev/full", sb::OpusSettings{}, {});
        FAIL();
    } catch (const sb::IoError& e) {
        EXPECT_TRUE(e.disk_full()) << e.what();
        EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos);
    }
}

TEST(FlacWriter, MasterHoldsTheSamplesUntouched) {
    sbtest::TempDir t;
    std::vector<std::int16_t> in(48000 * 2 * 3);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::int16_t>((i * 7919) % 65536 - 32768);
    {
        sb::FlacWriter w(t / "m.flac", 2, 48000);
        for (std::size_t off = 0; off < in.size(); off += 960 * 2) ASSERT_TRUE(w.write(in.data() + off, 960));
        ASSERT_TRUE(w.finish());
    }
    auto pcm = sbtest::read_pcm(t / "m.flac");
    EXPECT_EQ(pcm.rate, 48000);
    EXPECT_EQ(pcm.channels, 2);
    EXPECT_EQ(pcm.samples, in);
}

TEST(FlacWriter, WritesReachTheFileAsTheyHappen) {
    // What a crash would leave must already be on disk, not in a buffer.
    sbtest::TempDir t;
    sb::FlacWriter w(t / "m.flac", 1, 48000);
    std::vector<std::int16_t> in(48000);
    std::uint32_t x = 12345;  // noise does not compress: ~96 KB per second
    for (auto& s : in) s = static_cast<std::int16_t>((x = x * 1664525u + 1013904223u) >> 16);
    ASSERT_TRUE(w.write(in.data(), in.size()));
    ASSERT_TRUE(w.sync());
    // One second written; all but the frame still being encoded (~85 ms) is in the file.
    EXPECT_GT(std::filesystem::file_size(t / "m.flac"), 80'000u);
}
