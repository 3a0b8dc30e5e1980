// Crash repair of Ogg Opus files: cut anywhere, repair in place, check with opusfile and opusinfo.
#include "repair/ogg.hpp"

#include "common/error.hpp"
#include "unit/repair/helpers.hpp"

#include <gtest/gtest.h>
#include <ogg/ogg.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unistd.h>

namespace {

using namespace sbt;

std::uint64_t end_of(const sb::ogg::Page& p) { return p.offset + p.header_len + p.body_len; }

class OggRepair : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        channels = GetParam();
        frames = 4 * 48000 + 777;
        pcm = make_pcm(channels, frames, 100u + static_cast<unsigned>(channels));
        original = dir / "original.opus";
        encode_opus(original, pcm, channels, {{"TITLE", "cut me"}});
        load(original);
    }

    // Makes `file` the reference the cuts are taken from.
    void load(const fs::path& file) {
        bytes = read_bytes(file);
        pages = sb::ogg::scan(bytes);
        ASSERT_EQ(end_of(pages.back()), bytes.size());
        const auto info = sb::ogg::inspect(file);
        ASSERT_TRUE(info.headers_ok);
        preskip = info.preskip;
        full_samples = info.samples_48k;
        headers_end = end_of(pages[1]);
        ref = decode_opus(file);
        ASSERT_EQ(ref.open_error, 0);
        ASSERT_EQ(ref.frames(), full_samples);
        verified.clear();
    }

    // Cuts the reference at `cut`, repairs, and checks everything the repair promises.
    void check_cut(std::uint64_t cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
        const fs::path f = dir / "cut.opus";
        const std::string prefix = bytes.substr(0, cut);
        write_bytes(f, prefix);
        const auto r = sb::ogg::repair_opus_in_place(f);

        // What the reference says survives: audio pages wholly inside the prefix.
        std::int64_t last_granule = -1;
        std::uint64_t kept_end = 0;
        std::size_t whole = 0;
        for (std::size_t i = 0; i < pages.size() && end_of(pages[i]) <= cut; ++i) {
            whole = i + 1;
            if (i >= 2 && pages[i].granule != -1) {
                last_granule = pages[i].granule;
                kept_end = end_of(pages[i]);
            }
        }
        if (whole < 2 || last_granule < 0) {
            EXPECT_FALSE(r.has_audio);
            EXPECT_FALSE(r.changed);
            EXPECT_EQ(r.size, cut);
            EXPECT_EQ(read_bytes(f), prefix);
            return;
        }
        ASSERT_TRUE(r.has_audio);
        const std::int64_t expect_samples = std::max<std::int64_t>(0, last_granule - preskip);
        EXPECT_EQ(r.samples_48k, expect_samples);
        EXPECT_EQ(r.changed, cut != bytes.size());
        EXPECT_LE(r.size, kept_end);
        // Lost length is no more than the audio of the pages the cut touched.
        std::int64_t cut_away_audio = 0;
        std::int64_t prev = preskip;  // granule before the first audio page counts the pre-skip
        for (std::size_t i = 2; i < pages.size(); ++i) {
            if (pages[i].granule == -1) continue;
            if (end_of(pages[i]) > cut) cut_away_audio += pages[i].granule - prev;
            prev = pages[i].granule;
        }
        EXPECT_LE(full_samples - r.samples_48k, cut_away_audio);

        const std::string repaired = read_bytes(f);
        EXPECT_EQ(repaired.size(), r.size);
        const auto again = sb::ogg::repair_opus_in_place(f);
        EXPECT_FALSE(again.changed);
        EXPECT_TRUE(again.has_audio);
        EXPECT_EQ(again.samples_48k, r.samples_48k);
        EXPECT_EQ(read_bytes(f), repaired) << "second repair changed the file";

        // Every cut that keeps the same pages must give the same bytes; check each distinct result fully.
        auto it = verified.find(r.size);
        if (it != verified.end()) {
            EXPECT_EQ(repaired, it->second);
            return;
        }
        verified.emplace(r.size, repaired);
        const auto info = sb::ogg::inspect(f);
        EXPECT_TRUE(info.eos);
        EXPECT_EQ(info.valid_end, r.size);
        EXPECT_EQ(info.samples_48k, r.samples_48k);
        const auto d = decode_opus(f);
        ASSERT_EQ(d.open_error, 0);
        EXPECT_EQ(d.read_error, 0);
        EXPECT_EQ(d.pcm_total, r.samples_48k);
        ASSERT_EQ(d.frames(), r.samples_48k);
        EXPECT_TRUE(std::equal(d.pcm.begin(), d.pcm.end(), ref.pcm.begin())) << "decoded audio differs from the uncut file";
        const auto warnings = opusinfo_warnings(f);
        EXPECT_TRUE(warnings.empty()) << warnings.front();
    }

    TempDir dir;
    int channels = 0;
    std::size_t frames = 0;
    std::vector<std::int16_t> pcm;
    fs::path original;
    std::string bytes;
    std::vector<sb::ogg::Page> pages;
    int preskip = 0;
    std::int64_t full_samples = 0;
    std::uint64_t headers_end = 0;
    Decoded ref;
    std::map<std::uint64_t, std::string> verified;
};

TEST_P(OggRepair, CutAtEveryByteOfTheLastThreePagesRepairsToAPlayableFile) {
    ASSERT_GT(pages.size(), 6u);
    for (std::uint64_t cut = pages[pages.size() - 3].offset; cut <= bytes.size() && !HasFailure(); ++cut) check_cut(cut);
    EXPECT_GE(verified.size(), 3u);
}

TEST_P(OggRepair, CutAtSampledOffsetsThroughoutTheAudioRepairsToAPlayableFile) {
    std::set<std::uint64_t> cuts;
    for (std::uint64_t c = headers_end; c < bytes.size(); c += 97) cuts.insert(c);
    for (const auto& p : pages) {
        for (std::uint64_t c : {p.offset, p.offset + 1, p.offset + 27, end_of(p) - 1}) cuts.insert(c);
    }
    for (std::uint64_t c : cuts) {
        if (HasFailure()) break;
        check_cut(c);
    }
}

TEST_P(OggRepair, CutInsideTheHeadersGivesNoAudioAndLeavesTheFileAlone) {
    for (std::uint64_t cut = 0; cut <= headers_end + 1 && !HasFailure(); ++cut) check_cut(cut);
    // Cut right after the headers and right after the first audio page.
    check_cut(headers_end);
    check_cut(end_of(pages[2]));
}

TEST_P(OggRepair, AGoodFileIsLeftByteIdentical) {
    const auto r = sb::ogg::repair_opus_in_place(original);
    EXPECT_FALSE(r.changed);
    EXPECT_TRUE(r.has_audio);
    EXPECT_EQ(r.samples_48k, static_cast<std::int64_t>(frames));
    EXPECT_EQ(r.size, bytes.size());
    EXPECT_EQ(read_bytes(original), bytes);
}

TEST_P(OggRepair, ADamagedPageInTheMiddleIsCutAwayWithEverythingAfterIt) {
    const std::size_t k = pages.size() / 2;
    std::string bad = bytes;
    bad[pages[k].offset + pages[k].header_len + 3] ^= 0x40;
    const fs::path f = dir / "bad.opus";
    write_bytes(f, bad);
    const auto r = sb::ogg::repair_opus_in_place(f);
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(r.size, end_of(pages[k - 1]));
    EXPECT_EQ(r.samples_48k, pages[k - 1].granule - preskip);
    const auto d = decode_opus(f);
    ASSERT_EQ(d.open_error, 0);
    EXPECT_EQ(d.frames(), r.samples_48k);
    EXPECT_TRUE(opusinfo_warnings(f).empty());
}

TEST_P(OggRepair, AZeroFilledTailIsCutAway) {
    // What a power cut can leave when the size reached the disk before the data did.
    const std::uint64_t cut = end_of(pages[pages.size() - 5]) + 50;
    const fs::path f = dir / "zeros.opus";
    write_bytes(f, bytes.substr(0, cut) + std::string(8192, '\0'));
    const auto r = sb::ogg::repair_opus_in_place(f);
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(r.size, end_of(pages[pages.size() - 5]));
    EXPECT_EQ(fs::file_size(f), r.size);
    EXPECT_EQ(decode_opus(f).frames(), r.samples_48k);
}

// A muxer unlike libopusenc: ~900-byte page bodies cut at any 255-byte segment, so packets straddle
// pages. A repair must then drop the unfinished packet at the end of the last kept page.
std::string mux_split(const std::vector<std::string>& packets, std::int64_t final_granule) {
    std::string out;
    std::uint32_t seq = 0;
    std::vector<unsigned char> lacing;
    std::string body;
    bool continued = false;        // the page starts inside a packet
    std::int64_t granule = -1;     // of the last packet finished on the page
    auto emit = [&](bool bos, bool eos) {
        std::string h(27, '\0');
        std::memcpy(h.data(), "OggS", 4);
        h[5] = static_cast<char>((continued ? 1 : 0) | (bos ? 2 : 0) | (eos ? 4 : 0));
        for (int i = 0; i < 8; ++i) h[6 + i] = static_cast<char>((static_cast<std::uint64_t>(granule) >> (8 * i)) & 0xff);
        const std::uint32_t serial = 0x5eed;
        for (int i = 0; i < 4; ++i) h[14 + i] = static_cast<char>((serial >> (8 * i)) & 0xff);
        for (int i = 0; i < 4; ++i) h[18 + i] = static_cast<char>((seq >> (8 * i)) & 0xff);
        ++seq;
        h[26] = static_cast<char>(lacing.size());
        h.append(lacing.begin(), lacing.end());
        ogg_page og;  // libogg computes the CRC, independently of the code under test
        og.header = reinterpret_cast<unsigned char*>(h.data());
        og.header_len = static_cast<long>(h.size());
        og.body = reinterpret_cast<unsigned char*>(body.data());
        og.body_len = static_cast<long>(body.size());
        ogg_page_checksum_set(&og);
        out += h;
        out += body;
        lacing.clear();
        body.clear();
        granule = -1;
    };
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const std::string& p = packets[i];
        const std::int64_t g = i < 2 ? 0 : std::min<std::int64_t>(960 * static_cast<std::int64_t>(i - 1), final_granule);
        std::size_t at = 0;
        for (;;) {
            const std::size_t seg = std::min<std::size_t>(255, p.size() - at);
            lacing.push_back(static_cast<unsigned char>(seg));
            body.append(p, at, seg);
            at += seg;
            const bool done = seg < 255;
            if (done) granule = i + 1 == packets.size() ? final_granule : g;
            const bool last = done && i + 1 == packets.size();
            if (i < 2 ? done : (last || body.size() >= 900 || lacing.size() == 255)) {
                emit(i == 0, last);
                continued = !done;
            }
            if (done) break;
        }
    }
    return out;
}

TEST_P(OggRepair, PagesEndingInsideAPacketAreTrimmedToWholePackets) {
    // 20 ms packets over 255 bytes, so that they can be split.
    encode_opus(original, pcm, channels, {{"TITLE", "big packets"}}, 320000);
    load(original);
    ogg_sync_state oy;
    ogg_stream_state is;
    ogg_sync_init(&oy);
    char* buf = ogg_sync_buffer(&oy, static_cast<long>(bytes.size()));
    std::memcpy(buf, bytes.data(), bytes.size());
    ogg_sync_wrote(&oy, static_cast<long>(bytes.size()));
    std::vector<std::string> packets;
    ogg_page og;
    bool init = false;
    while (ogg_sync_pageout(&oy, &og) == 1) {
        if (!init) {
            ogg_stream_init(&is, ogg_page_serialno(&og));
            init = true;
        }
        ogg_stream_pagein(&is, &og);
        ogg_packet op;
        while (ogg_stream_packetout(&is, &op) == 1)
            packets.emplace_back(reinterpret_cast<const char*>(op.packet), static_cast<std::size_t>(op.bytes));
    }
    ogg_stream_clear(&is);
    ogg_sync_clear(&oy);
    ASSERT_GT(packets.size(), 10u);
    const std::string remuxed = mux_split(packets, pages.back().granule);

    const fs::path f = dir / "remuxed.opus";
    write_bytes(f, remuxed);
    load(f);
    ASSERT_EQ(ref.pcm.size(), pcm.size());
    std::size_t continued = 0;
    for (const auto& p : pages) continued += (p.flags & 0x01) != 0;
    ASSERT_GT(continued, 3u) << "libogg did not split packets; the test proves nothing";

    std::set<std::uint64_t> cuts;
    for (std::uint64_t c = pages[pages.size() - 4].offset; c <= bytes.size(); c += 11) cuts.insert(c);
    for (std::size_t i = pages.size() - 4; i < pages.size(); ++i) {
        for (std::uint64_t c : {pages[i].offset, pages[i].offset + 1, end_of(pages[i]) - 1, end_of(pages[i])})
            cuts.insert(c);
    }
    for (std::uint64_t c : cuts) {
        if (HasFailure()) break;
        check_cut(c);
    }
    // The repaired files end on a whole packet.
    const fs::path last = dir / "last.opus";
    write_bytes(last, bytes.substr(0, end_of(pages[pages.size() - 2]) + 10));
    const auto r = sb::ogg::repair_opus_in_place(last);
    const auto after = sb::ogg::scan(read_bytes(last));
    ASSERT_FALSE(after.empty());
    EXPECT_TRUE(after.back().flags & 0x04);
    EXPECT_EQ(end_of(after.back()), r.size);
    EXPECT_LT(r.size, end_of(pages[pages.size() - 2])) << "the unfinished packet should have been dropped";
}

INSTANTIATE_TEST_SUITE_P(MonoAndStereo, OggRepair, ::testing::Values(1, 2),
                         [](const auto& i) { return i.param == 1 ? std::string("Mono") : std::string("Stereo"); });

TEST(OggRepairErrors, MissingFileThrowsIoError) {
    TempDir dir;
    EXPECT_THROW(sb::ogg::repair_opus_in_place(dir / "nope.opus"), sb::IoError);
}

TEST(OggRepairErrors, AReadOnlyFileThatNeedsNoChangeIsAcceptedAndOneThatDoesIsRefused) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
    TempDir dir;
    const fs::path f = dir / "ro.opus";
    encode_opus(f, make_pcm(1, 48000, 5), 1, {});
    fs::permissions(f, fs::perms::owner_read);
    EXPECT_FALSE(sb::ogg::repair_opus_in_place(f).changed);
    fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write);
    const std::string bytes = read_bytes(f);
    write_bytes(f, bytes.substr(0, bytes.size() - 10));
    fs::permissions(f, fs::perms::owner_read);
    try {
        sb::ogg::repair_opus_in_place(f);
        ADD_FAILURE() << "no exception";
    } catch (const sb::IoError& e) {
        EXPECT_EQ(e.code(), EACCES);
    }
}

TEST(OggRepairErrors, AChainedFileIsRefusedAndNotCut) {
    TempDir dir;
    const auto pcm = make_pcm(1, 48000, 5);
    encode_opus(dir / "a.opus", pcm, 1, {});
    encode_opus(dir / "b.opus", pcm, 1, {});
    const std::string chained = read_bytes(dir / "a.opus") + read_bytes(dir / "b.opus");
    write_bytes(dir / "ab.opus", chained);
    EXPECT_THROW(sb::ogg::repair_opus_in_place(dir / "ab.opus"), sb::Error);
    EXPECT_EQ(read_bytes(dir / "ab.opus"), chained);
}

TEST(OggRepairErrors, AnEmptyOrForeignFileHasNoAudioAndIsLeftAlone) {
    TempDir dir;
    write_bytes(dir / "empty.opus", "");
    auto r = sb::ogg::repair_opus_in_place(dir / "empty.opus");
    EXPECT_FALSE(r.has_audio);
    EXPECT_FALSE(r.changed);
    const std::string junk(3000, 'j');
    write_bytes(dir / "junk.opus", junk);
    r = sb::ogg::repair_opus_in_place(dir / "junk.opus");
    EXPECT_FALSE(r.has_audio);
    EXPECT_EQ(read_bytes(dir / "junk.opus"), junk);
}

}  // namespace
