// FLAC master repair: libsndfile writers killed mid-file, files cut anywhere, checked with
// libsndfile and the flac tool.
#include "repair/flac_fix.hpp"

#include "common/error.hpp"
#include "unit/repair/helpers.hpp"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace sbt;

constexpr int kRate = 48000;

SNDFILE* open_writer(const fs::path& file, int channels, int subformat) {
    SF_INFO info{};
    info.samplerate = kRate;
    info.channels = channels;
    info.format = SF_FORMAT_FLAC | subformat;
    return sf_open(file.c_str(), SFM_WRITE, &info);
}

// Writes the first `frames` frames in 100 ms blocks, as the recorder does.
bool write_blocks(SNDFILE* sf, const std::vector<std::int16_t>& pcm, int channels, std::size_t frames) {
    for (std::size_t at = 0; at < frames; at += 4800) {
        const auto n = static_cast<sf_count_t>(std::min<std::size_t>(4800, frames - at));
        if (sf_writef_short(sf, pcm.data() + at * static_cast<std::size_t>(channels), n) != n) return false;
    }
    return true;
}

// A writer that dies after `frames` frames without sf_close: what a crash or power cut leaves.
void write_flac_crashed(const fs::path& file, const std::vector<std::int16_t>& pcm, int channels,
                        std::size_t frames, int subformat = SF_FORMAT_PCM_16) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        SNDFILE* sf = open_writer(file, channels, subformat);
        if (!sf) ::_exit(2);
        ::_exit(write_blocks(sf, pcm, channels, frames) ? 0 : 3);  // no sf_close
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
}

void write_flac_closed(const fs::path& file, const std::vector<std::int16_t>& pcm, int channels,
                       int subformat = SF_FORMAT_PCM_16) {
    SNDFILE* sf = open_writer(file, channels, subformat);
    ASSERT_NE(sf, nullptr) << sf_strerror(nullptr);
    ASSERT_TRUE(write_blocks(sf, pcm, channels, pcm.size() / static_cast<std::size_t>(channels)));
    ASSERT_EQ(sf_close(sf), 0);
}

struct Read {
    bool opened = false;
    std::string error;
    sf_count_t frames = 0;
    int channels = 0;
    int rate = 0;
    std::vector<std::int16_t> pcm;
};

Read read_flac(const fs::path& file) {
    Read r;
    SF_INFO info{};
    SNDFILE* sf = sf_open(file.c_str(), SFM_READ, &info);
    if (!sf) {
        r.error = sf_strerror(nullptr);
        return r;
    }
    r.opened = true;
    r.frames = info.frames;
    r.channels = info.channels;
    r.rate = info.samplerate;
    std::vector<std::int16_t> buf(4096 * static_cast<std::size_t>(info.channels));
    for (;;) {
        const sf_count_t n = sf_readf_short(sf, buf.data(), 4096);
        if (n <= 0) break;
        r.pcm.insert(r.pcm.end(), buf.begin(), buf.begin() + n * info.channels);
    }
    sf_close(sf);
    return r;
}

// `flac -t` decodes every frame and checks the MD5 in STREAMINFO; -w makes its warnings fatal.
Run flac_test(const fs::path& file) { return run("flac -t -w -s " + quote(file)); }

bool is_prefix(const std::vector<std::int16_t>& part, const std::vector<std::int16_t>& whole) {
    return part.size() <= whole.size() && std::equal(part.begin(), part.end(), whole.begin());
}

class FlacRepair : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override { channels = GetParam(); }
    TempDir dir;
    int channels = 0;
};

TEST_P(FlacRepair, ACrashedLibsndfileWriterIsRepairedToAFullyReadableFile) {
    const std::size_t n = 5 * kRate + 1234;
    const auto pcm = make_pcm(channels, n, 11u + static_cast<unsigned>(channels));
    const fs::path f = dir / "master.flac";
    write_flac_crashed(f, pcm, channels, n);

    // What the crash leaves: STREAMINFO says "total samples unknown".
    const auto before = sb::flac::read_streaminfo(f);
    EXPECT_EQ(before.total_samples_header, 0u);
    EXPECT_EQ(before.channels, channels);
    EXPECT_EQ(before.sample_rate, kRate);
    EXPECT_EQ(before.bits_per_sample, 16);

    const auto r = sb::flac::repair_flac_in_place(f);
    EXPECT_TRUE(r.changed);
    ASSERT_TRUE(r.has_audio);
    EXPECT_EQ(r.channels, channels);
    EXPECT_EQ(r.sample_rate, kRate);
    EXPECT_LE(r.frames, n);
    const auto lost = static_cast<std::int64_t>(n) - static_cast<std::int64_t>(r.frames);
    std::printf("[ measured ] %d ch: wrote %zu frames, %llu survived the crash (%.3f s lost)\n", channels, n,
                static_cast<unsigned long long>(r.frames), static_cast<double>(lost) / kRate);
    EXPECT_LE(lost, kRate / 2) << "more than 0.5 s lost";
    EXPECT_EQ(fs::file_size(f), r.size);
    EXPECT_EQ(sb::flac::read_streaminfo(f).total_samples_header, r.frames);

    const auto rd = read_flac(f);
    ASSERT_TRUE(rd.opened) << rd.error;
    EXPECT_EQ(rd.frames, static_cast<sf_count_t>(r.frames));
    EXPECT_EQ(rd.channels, channels);
    ASSERT_EQ(rd.pcm.size(), r.frames * static_cast<std::size_t>(channels));
    EXPECT_TRUE(is_prefix(rd.pcm, pcm)) << "audio differs from what was written";
    const auto t = flac_test(f);
    EXPECT_EQ(t.status, 0) << t.output;

    const std::string bytes = read_bytes(f);
    const auto again = sb::flac::repair_flac_in_place(f);
    EXPECT_FALSE(again.changed);
    EXPECT_EQ(again.frames, r.frames);
    EXPECT_EQ(read_bytes(f), bytes);
}

// libsndfile hands libFLAC's frames to write(2) whole, so a killed writer ends on a frame boundary;
// a power cut can also lose the end of the last frame. Both at once: STREAMINFO 0 and a cut frame.
TEST_P(FlacRepair, ACrashedWriterWhoseLastFrameIsAlsoCutLosesOnlyThatFrame) {
    const std::size_t n = 3 * kRate + 99;
    const auto pcm = make_pcm(channels, n, 61u + static_cast<unsigned>(channels));
    const fs::path whole = dir / "crashed.flac";
    write_flac_crashed(whole, pcm, channels, n);
    const fs::path intact = dir / "intact.flac";
    fs::copy_file(whole, intact);
    const auto full = sb::flac::repair_flac_in_place(intact);
    ASSERT_TRUE(full.has_audio);
    EXPECT_EQ(full.size, fs::file_size(whole)) << "the killed writer left a partial frame";

    const std::string bytes = read_bytes(whole);
    const fs::path f = dir / "cut.flac";
    write_bytes(f, bytes.substr(0, bytes.size() - 100));
    const auto r = sb::flac::repair_flac_in_place(f);
    ASSERT_TRUE(r.has_audio);
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(r.frames, full.frames - 4096) << "libsndfile's default block size is 4096";
    EXPECT_LT(r.size, bytes.size() - 100);
    const auto rd = read_flac(f);
    ASSERT_TRUE(rd.opened) << rd.error;
    EXPECT_EQ(rd.frames, static_cast<sf_count_t>(r.frames));
    EXPECT_TRUE(is_prefix(rd.pcm, pcm));
    const auto t = flac_test(f);
    EXPECT_EQ(t.status, 0) << t.output;
}

TEST_P(FlacRepair, CutAtManyOffsetsOfTheLastPartOfAClosedFile) {
    const std::size_t n = kRate + 4321;
    const auto pcm = make_pcm(channels, n, 21u + static_cast<unsigned>(channels));
    const fs::path whole = dir / "whole.flac";
    write_flac_closed(whole, pcm, channels);
    const std::string bytes = read_bytes(whole);
    const fs::path f = dir / "cut.flac";

    std::map<std::uint64_t, std::string> verified;  // repaired size -> repaired bytes
    std::uint64_t prev_frames = 0;
    auto check = [&](std::uint64_t cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
        write_bytes(f, bytes.substr(0, cut));
        const auto r = sb::flac::repair_flac_in_place(f);
        ASSERT_TRUE(r.has_audio);
        EXPECT_EQ(r.changed, cut != bytes.size());
        EXPECT_LE(r.size, cut);
        EXPECT_GE(r.frames, prev_frames);
        prev_frames = r.frames;
        const std::string repaired = read_bytes(f);
        ASSERT_EQ(repaired.size(), r.size);
        const auto again = sb::flac::repair_flac_in_place(f);
        EXPECT_FALSE(again.changed);
        EXPECT_EQ(read_bytes(f), repaired);
        if (auto it = verified.find(r.size); it != verified.end()) {
            EXPECT_EQ(repaired, it->second);
            return;
        }
        verified.emplace(r.size, repaired);
        const auto rd = read_flac(f);
        ASSERT_TRUE(rd.opened) << rd.error;
        EXPECT_EQ(rd.frames, static_cast<sf_count_t>(r.frames));
        EXPECT_EQ(rd.pcm.size(), r.frames * static_cast<std::size_t>(channels));
        EXPECT_TRUE(is_prefix(rd.pcm, pcm));
        const auto t = flac_test(f);
        EXPECT_EQ(t.status, 0) << t.output;
    };
    const std::uint64_t from = bytes.size() > 30000 ? bytes.size() - 30000 : bytes.size() / 2;
    for (std::uint64_t cut = from; cut <= bytes.size() && !HasFailure(); cut += 61) check(cut);
    // Around every frame end found: the last byte missing, exact, one byte of the next frame.
    std::vector<std::uint64_t> ends;
    for (const auto& [size, _] : verified) ends.push_back(size);
    prev_frames = 0;
    for (std::uint64_t e : ends) {
        for (std::uint64_t cut : {e - 1, e, e + 1}) {
            if (cut > bytes.size() || HasFailure()) continue;
            check(cut);
        }
    }
    EXPECT_GE(verified.size(), 3u);
    check(bytes.size());
    EXPECT_EQ(prev_frames, n);
}

TEST_P(FlacRepair, AProperlyClosedFileIsLeftByteIdentical) {
    const std::size_t n = 2 * kRate + 17;
    const fs::path f = dir / "closed.flac";
    write_flac_closed(f, make_pcm(channels, n, 5), channels);
    const std::string bytes = read_bytes(f);
    EXPECT_EQ(sb::flac::read_streaminfo(f).total_samples_header, n);
    const auto r = sb::flac::repair_flac_in_place(f);
    EXPECT_FALSE(r.changed);
    EXPECT_TRUE(r.has_audio);
    EXPECT_EQ(r.frames, n);
    EXPECT_EQ(r.size, bytes.size());
    EXPECT_EQ(read_bytes(f), bytes);
}

// A closed file followed by zeros (a size that reached the disk before the data): cutting the zeros
// must give back the original bytes, so the MD5 and frame sizes computed here equal libFLAC's.
TEST_P(FlacRepair, ZerosAfterTheLastFrameAreCutAndRestoreTheOriginalBytes) {
    const fs::path f = dir / "zeros.flac";
    write_flac_closed(f, make_pcm(channels, kRate + 999, 8), channels);
    const std::string bytes = read_bytes(f);
    write_bytes(f, bytes + std::string(8192, '\0'));
    const auto r = sb::flac::repair_flac_in_place(f);
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(read_bytes(f), bytes);
}

TEST_P(FlacRepair, AFileWithoutAWholeFrameHasNoAudioAndIsLeftAlone) {
    const fs::path whole = dir / "whole.flac";
    write_flac_closed(whole, make_pcm(channels, kRate, 8), channels);
    const std::string bytes = read_bytes(whole);
    // The metadata ends where the first frame sync code (0xFFF8) starts.
    std::size_t audio_at = 42;
    while (audio_at + 1 < bytes.size() &&
           !(static_cast<unsigned char>(bytes[audio_at]) == 0xFF && (static_cast<unsigned char>(bytes[audio_at + 1]) & 0xFE) == 0xF8))
        ++audio_at;
    const fs::path f = dir / "cut.flac";
    for (std::size_t cut : {std::size_t{42}, std::size_t{50}, audio_at - 1, audio_at, audio_at + 1, audio_at + 100}) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        const std::string prefix = bytes.substr(0, cut);
        write_bytes(f, prefix);
        const auto r = sb::flac::repair_flac_in_place(f);
        EXPECT_FALSE(r.has_audio);
        EXPECT_FALSE(r.changed);
        EXPECT_EQ(r.frames, 0u);
        EXPECT_EQ(read_bytes(f), prefix);
    }
}

INSTANTIATE_TEST_SUITE_P(MonoAndStereo, FlacRepair, ::testing::Values(1, 2),
                         [](const auto& i) { return i.param == 1 ? std::string("Mono") : std::string("Stereo"); });

TEST(FlacRepairFormats, TwentyFourBitCrashedMasterGetsAValidMd5) {
    TempDir dir;
    const std::size_t n = 2 * kRate + 77;
    const auto pcm = make_pcm(2, n, 31);
    const fs::path f = dir / "m24.flac";
    write_flac_crashed(f, pcm, 2, n, SF_FORMAT_PCM_24);
    EXPECT_EQ(sb::flac::read_streaminfo(f).bits_per_sample, 24);
    const auto r = sb::flac::repair_flac_in_place(f);
    ASSERT_TRUE(r.has_audio);
    EXPECT_LE(static_cast<std::int64_t>(n) - static_cast<std::int64_t>(r.frames), kRate / 2);
    const auto t = flac_test(f);
    EXPECT_EQ(t.status, 0) << t.output;
    const auto rd = read_flac(f);
    ASSERT_TRUE(rd.opened) << rd.error;
    EXPECT_EQ(rd.frames, static_cast<sf_count_t>(r.frames));
    EXPECT_TRUE(is_prefix(rd.pcm, pcm));  // 16-bit input through a 24-bit file reads back exactly
}

TEST(FlacRepairErrors, AReadOnlyFileThatNeedsNoChangeIsAcceptedAndOneThatDoesIsRefused) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
    TempDir dir;
    const fs::path f = dir / "ro.flac";
    write_flac_closed(f, make_pcm(1, kRate, 2), 1);
    fs::permissions(f, fs::perms::owner_read);
    EXPECT_FALSE(sb::flac::repair_flac_in_place(f).changed);
    fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write);
    const std::string bytes = read_bytes(f);
    write_bytes(f, bytes.substr(0, bytes.size() - 10));
    fs::permissions(f, fs::perms::owner_read);
    try {
        sb::flac::repair_flac_in_place(f);
        ADD_FAILURE() << "no exception";
    } catch (const sb::IoError& e) {
        EXPECT_EQ(e.code(), EACCES);
    }
}

TEST(FlacRepairErrors, ANonFlacFileGivesAClearError) {
    TempDir dir;
    const std::string junk = "RIFF\x24\x00\x00\x00WAVEfmt " + std::string(200, 'x');
    write_bytes(dir / "fake.flac", junk);
    encode_opus(dir / "take.opus", make_pcm(1, 4800, 1), 1, {});
    write_bytes(dir / "short.flac", "fLaC");
    for (const char* name : {"fake.flac", "take.opus", "short.flac"}) {
        SCOPED_TRACE(name);
        const std::string before = read_bytes(dir / name);
        try {
            sb::flac::repair_flac_in_place(dir / name);
            ADD_FAILURE() << "no exception";
        } catch (const sb::IoError& e) {
            ADD_FAILURE() << "an I/O error for a bad file: " << e.what();
        } catch (const sb::Error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("not a FLAC file"), std::string::npos) << what;
            EXPECT_NE(what.find(name), std::string::npos) << what;
        }
        EXPECT_THROW(sb::flac::read_streaminfo(dir / name), sb::Error);
        EXPECT_EQ(read_bytes(dir / name), before);
    }
    EXPECT_THROW(sb::flac::repair_flac_in_place(dir / "missing.flac"), sb::IoError);
    EXPECT_THROW(sb::flac::read_streaminfo(dir / "missing.flac"), sb::IoError);
}

}  // namespace
