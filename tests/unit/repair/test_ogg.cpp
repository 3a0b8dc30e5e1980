// Ogg page parsing, CRC and inspect() against files libopusenc writes, checked with libogg/opusfile.
#include "repair/ogg.hpp"

#include "common/error.hpp"
#include "unit/repair/helpers.hpp"

#include <gtest/gtest.h>
#include <ogg/ogg.h>

#include <cstring>

namespace {

using namespace sbt;

struct LibOggPage {
    std::uint64_t offset;
    std::string bytes;
    ogg_int64_t granule;
    int serial;
    long seqno;
    int packets;
    int bos, eos, continued;
};

// Pages as libogg's sync layer finds them.
std::vector<LibOggPage> libogg_pages(const std::string& data) {
    std::vector<LibOggPage> pages;
    ogg_sync_state oy;
    ogg_sync_init(&oy);
    char* buf = ogg_sync_buffer(&oy, static_cast<long>(data.size()));
    std::memcpy(buf, data.data(), data.size());
    ogg_sync_wrote(&oy, static_cast<long>(data.size()));
    ogg_page og;
    std::uint64_t at = 0;
    while (ogg_sync_pageout(&oy, &og) == 1) {
        LibOggPage p;
        p.offset = at;
        p.bytes.assign(reinterpret_cast<const char*>(og.header), static_cast<std::size_t>(og.header_len));
        p.bytes.append(reinterpret_cast<const char*>(og.body), static_cast<std::size_t>(og.body_len));
        p.granule = ogg_page_granulepos(&og);
        p.serial = ogg_page_serialno(&og);
        p.seqno = ogg_page_pageno(&og);
        p.packets = ogg_page_packets(&og);
        p.bos = ogg_page_bos(&og);
        p.eos = ogg_page_eos(&og);
        p.continued = ogg_page_continued(&og);
        at += p.bytes.size();
        pages.push_back(std::move(p));
    }
    ogg_sync_clear(&oy);
    return pages;
}

class OggFile : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        channels = GetParam();
        frames = 3 * 48000 + 1234;  // not a multiple of 20 ms: libopusenc must trim the end exactly
        pcm = make_pcm(channels, frames, 7u + static_cast<unsigned>(channels));
        file = dir / "take.opus";
        comments = {{"TITLE", "Grandma's kitchen"}, {"ARTIST", "Booth 3"}, {"EMPTY", ""}, {"NOTE", "a=b=c"}};
        encode_opus(file, pcm, channels, comments);
        bytes = read_bytes(file);
    }
    TempDir dir;
    int channels = 0;
    std::size_t frames = 0;
    std::vector<std::int16_t> pcm;
    fs::path file;
    Comments comments;
    std::string bytes;
};

TEST_P(OggFile, Crc32OfEveryLibopusencPageMatchesStoredCrcAndLibogg) {
    const auto pages = libogg_pages(bytes);
    ASSERT_GT(pages.size(), 10u);
    for (const auto& p : pages) {
        std::string page = p.bytes;
        std::uint32_t stored = 0;
        for (int i = 0; i < 4; ++i) stored |= static_cast<std::uint32_t>(static_cast<unsigned char>(page[22 + i])) << (8 * i);
        std::memset(page.data() + 22, 0, 4);
        const auto* u = reinterpret_cast<const std::uint8_t*>(page.data());
        EXPECT_EQ(sb::ogg::crc32(u, page.size()), stored) << "page at " << p.offset;

        // libogg's own CRC of the same page with its field zeroed.
        ogg_page og;
        og.header = const_cast<unsigned char*>(u);
        og.header_len = u[26] + 27;
        og.body = const_cast<unsigned char*>(u) + og.header_len;
        og.body_len = static_cast<long>(page.size()) - og.header_len;
        ogg_page_checksum_set(&og);
        std::uint32_t libogg = 0;
        for (int i = 0; i < 4; ++i) libogg |= static_cast<std::uint32_t>(u[22 + i]) << (8 * i);
        EXPECT_EQ(libogg, stored);
    }
}

TEST_P(OggFile, ScanFindsTheSamePagesAsLibogg) {
    const auto ours = sb::ogg::scan(bytes);
    const auto theirs = libogg_pages(bytes);
    ASSERT_EQ(ours.size(), theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
        const auto& a = ours[i];
        const auto& b = theirs[i];
        EXPECT_EQ(a.offset, b.offset);
        EXPECT_EQ(a.header_len + a.body_len, b.bytes.size());
        EXPECT_EQ(a.granule, b.granule);
        EXPECT_EQ(static_cast<int>(a.serial), b.serial);
        EXPECT_EQ(static_cast<long>(a.seqno), b.seqno);
        EXPECT_EQ(static_cast<int>(a.packets_ending), b.packets);
        EXPECT_EQ((a.flags & 0x02) != 0, b.bos != 0);
        EXPECT_EQ((a.flags & 0x04) != 0, b.eos != 0);
        EXPECT_EQ((a.flags & 0x01) != 0, b.continued != 0);
    }
    EXPECT_EQ(ours.back().offset + ours.back().header_len + ours.back().body_len, bytes.size());
}

TEST_P(OggFile, ScanStopsAtTheFirstPageWithABadCrc) {
    const auto pages = sb::ogg::scan(bytes);
    const std::size_t k = pages.size() / 2;
    std::string bad = bytes;
    bad[pages[k].offset + pages[k].header_len + pages[k].body_len / 2] ^= 0x10;  // one bit in the body
    EXPECT_EQ(sb::ogg::scan(bad).size(), k);
    std::string bad_header = bytes;
    bad_header[pages[k].offset + 6] ^= 0x01;  // the granule
    EXPECT_EQ(sb::ogg::scan(bad_header).size(), k);
}

TEST_P(OggFile, ScanStopsAtAnIncompletePage) {
    const auto pages = sb::ogg::scan(bytes);
    const auto& last = pages.back();
    for (std::uint64_t cut : {last.offset + 1, last.offset + 26, last.offset + 27, last.offset + last.header_len,
                              last.offset + last.header_len + last.body_len - 1}) {
        EXPECT_EQ(sb::ogg::scan(std::string_view(bytes).substr(0, cut)).size(), pages.size() - 1) << cut;
    }
}

TEST(OggScan, EmptyOrForeignInputHasNoPages) {
    EXPECT_TRUE(sb::ogg::scan("").empty());
    EXPECT_TRUE(sb::ogg::scan("OggS").empty());
    EXPECT_TRUE(sb::ogg::scan(std::string(200, '\0')).empty());
    EXPECT_TRUE(sb::ogg::scan("RIFF....WAVEfmt ").empty());
}

TEST_P(OggFile, InspectReportsHeadersCommentsAndTheExactInputLength) {
    const auto info = sb::ogg::inspect(file);
    const auto dec = decode_opus(file);
    ASSERT_EQ(dec.open_error, 0);
    EXPECT_TRUE(info.headers_ok);
    EXPECT_EQ(info.channels, channels);
    EXPECT_EQ(info.input_rate, 48000u);
    EXPECT_EQ(info.output_gain_q78, 0);
    EXPECT_GT(info.preskip, 0);
    EXPECT_EQ(info.vendor, dec.vendor);
    EXPECT_NE(info.vendor.find("libopus"), std::string::npos);
    EXPECT_EQ(info.comments, comments);
    EXPECT_EQ(info.samples_48k, static_cast<std::int64_t>(frames));
    EXPECT_EQ(info.last_granule, static_cast<std::int64_t>(frames) + info.preskip);
    EXPECT_EQ(info.samples_48k, dec.pcm_total);
    EXPECT_EQ(dec.frames(), static_cast<std::int64_t>(frames));
    EXPECT_TRUE(info.eos);
    EXPECT_EQ(info.file_size, bytes.size());
    EXPECT_EQ(info.valid_end, bytes.size());
    EXPECT_EQ(info.audio_pages, sb::ogg::scan(bytes).size() - 2);  // OpusHead page + one OpusTags page
    EXPECT_TRUE(opusinfo_warnings(file).empty());
}

TEST_P(OggFile, InspectOfACutFileReportsItsValidPrefix) {
    const auto pages = sb::ogg::scan(bytes);
    const auto& p = pages[pages.size() - 3];
    const std::uint64_t end = p.offset + p.header_len + p.body_len;
    const fs::path cut = dir / "cut.opus";
    write_bytes(cut, bytes.substr(0, end + 100));
    const auto info = sb::ogg::inspect(cut);
    EXPECT_TRUE(info.headers_ok);
    EXPECT_EQ(info.valid_end, end);
    EXPECT_EQ(info.file_size, end + 100);
    EXPECT_FALSE(info.eos);
    EXPECT_EQ(info.last_granule, p.granule);
    EXPECT_EQ(info.samples_48k, p.granule - info.preskip);
    EXPECT_EQ(info.audio_pages, pages.size() - 4);
}

INSTANTIATE_TEST_SUITE_P(MonoAndStereo, OggFile, ::testing::Values(1, 2),
                         [](const auto& i) { return i.param == 1 ? std::string("Mono") : std::string("Stereo"); });

TEST(OggInspect, MissingFileThrowsIoError) {
    TempDir dir;
    EXPECT_THROW(sb::ogg::inspect(dir / "nope.opus"), sb::IoError);
}

TEST(OggInspect, NonOggFileHasNoHeaders) {
    TempDir dir;
    write_bytes(dir / "x.opus", std::string(5000, 'x'));
    const auto info = sb::ogg::inspect(dir / "x.opus");
    EXPECT_FALSE(info.headers_ok);
    EXPECT_EQ(info.valid_end, 0u);
    EXPECT_EQ(info.file_size, 5000u);
    EXPECT_EQ(info.samples_48k, 0);
    EXPECT_EQ(info.last_granule, -1);
}

}  // namespace
