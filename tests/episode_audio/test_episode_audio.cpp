// encode_episode_mp3 and measure_loudness on generated speech: the MP3's loudness and true peak
// as ffmpeg measures them, its format as ffprobe sees it, and the failures that must leave no file.
#include "common/error.hpp"
#include "episode_audio/episode_audio.hpp"
#include "episode_audio_test.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <csignal>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace eatest;
using sb::storysync::encode_episode_mp3;
using sb::storysync::EpisodeAudio;
using sb::storysync::measure_loudness;

// Everything a podcast host or player will check, judged by ffmpeg/ffprobe, not by our code.
void expect_podcast_mp3(const fs::path& opus, const fs::path& mp3, const EpisodeAudio& r, int channels) {
    ASSERT_TRUE(fs::exists(mp3));
    R128 m = ffmpeg_r128(mp3);
    EXPECT_GE(m.integrated, -17.0) << mp3;
    EXPECT_LE(m.integrated, -15.0) << mp3;
    EXPECT_LE(m.true_peak, -1.0) << mp3;

    nlohmann::json probe = ffprobe(mp3);
    ASSERT_TRUE(probe.is_object());
    ASSERT_EQ(probe["streams"].size(), 1u);
    const auto& st = probe["streams"][0];
    EXPECT_EQ(st["codec_name"], "mp3");
    EXPECT_EQ(st["channels"], channels);
    EXPECT_EQ(st["sample_rate"], "48000");

    const double opus_s = opus_seconds(opus);
    const double mp3_s = std::stod(probe["format"]["duration"].get<std::string>());
    EXPECT_NEAR(mp3_s, opus_s, 0.050) << "MP3 " << mp3_s << " s, Opus " << opus_s << " s";

    // Constant bit rate, from the file itself: bytes over duration.
    const int want = channels == 2 ? 128 : 96;
    EXPECT_EQ(r.bitrate_kbps, want);
    const double kbps = static_cast<double>(fs::file_size(mp3)) * 8.0 / 1000.0 / opus_s;
    EXPECT_NEAR(kbps, want, want * 0.10) << "measured " << kbps << " kbit/s";
    EXPECT_EQ(r.bytes, fs::file_size(mp3));

    // Our own figures for the MP3 agree with ffmpeg's.
    EXPECT_NEAR(r.levelled.integrated_lufs, m.integrated, 0.3);
    EXPECT_NEAR(r.levelled.true_peak_dbtp, m.true_peak, 0.3);
    EXPECT_EQ(r.levelled.channels, channels);
    EXPECT_EQ(r.levelled.sample_rate, 48000);
}

// No temporary files left beside the MP3.
std::size_t files_in(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

TEST(EpisodeAudio, QuietMonoSpeechIsRaisedToMinus16LufsWithTruePeakUnderMinus1) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "quiet", 1, "gain -n -17");
    fs::path mp3 = tmp / "quiet.mp3";
    EpisodeAudio r = encode_episode_mp3(opus, mp3);
    EXPECT_GT(r.source.integrated_lufs, -39.0);
    EXPECT_LT(r.source.integrated_lufs, -31.0);
    EXPECT_EQ(r.source.channels, 1);
    EXPECT_GT(r.gain_db, 15.0);   // a real raise, with the limiter holding the peaks
    expect_podcast_mp3(opus, mp3, r, 1);
}

TEST(EpisodeAudio, LoudStereoSpeechIsBroughtDownToMinus16Lufs) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "loud", 2, "gain -l 14");
    fs::path mp3 = tmp / "loud.mp3";
    EpisodeAudio r = encode_episode_mp3(opus, mp3);
    EXPECT_GT(r.source.integrated_lufs, -14.0);
    EXPECT_EQ(r.source.channels, 2);
    EXPECT_LT(r.gain_db, -2.0);
    expect_podcast_mp3(opus, mp3, r, 2);
}

TEST(EpisodeAudio, HardClippedSpeechComesDownAndKeepsItsPeaksUnderMinus1) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "clipped", 1, "gain -n gain 20");
    // Clipped at full scale, and Opus overshoots it.
    R128 src = ffmpeg_r128(opus);
    EXPECT_GT(src.true_peak, -0.5);
    fs::path mp3 = tmp / "clipped.mp3";
    EpisodeAudio r = encode_episode_mp3(opus, mp3);
    EXPECT_LT(r.gain_db, -8.0);
    expect_podcast_mp3(opus, mp3, r, 1);
}

TEST(EpisodeAudio, StereoSpeechAtTypicalLevelMeetsThePodcastTarget) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "stereo", 2, "gain -n -3");
    fs::path mp3 = tmp / "stereo.mp3";
    EpisodeAudio r = encode_episode_mp3(opus, mp3);
    expect_podcast_mp3(opus, mp3, r, 2);
    EXPECT_EQ(files_in(tmp.path()), 7u);  // raw0/1, speech0/1, stereo.wav, .opus, .mp3: no leftovers
}

TEST(EpisodeAudio, DigitalSilenceGivesAValidMp3WithoutGain) {
    sbtest::TempDir tmp;
    fs::path wav = tmp / "silence.wav";
    fs::path opus = tmp / "silence.opus";
    sh("sox -n -r 48000 -b 16 -c 1 " + q(wav.string()) + " trim 0 5");
    sh("opusenc --quiet " + q(wav.string()) + " " + q(opus.string()));
    fs::path mp3 = tmp / "silence.mp3";
    EpisodeAudio r = encode_episode_mp3(opus, mp3);
    EXPECT_TRUE(std::isinf(r.source.integrated_lufs) && r.source.integrated_lufs < 0);
    EXPECT_EQ(r.gain_db, 0.0);
    EXPECT_FALSE(std::isnan(r.levelled.integrated_lufs));
    nlohmann::json probe = ffprobe(mp3);
    ASSERT_TRUE(probe.is_object());
    EXPECT_EQ(probe["streams"][0]["codec_name"], "mp3");
    EXPECT_NEAR(std::stod(probe["format"]["duration"].get<std::string>()), opus_seconds(opus), 0.050);
    EXPECT_LE(ffmpeg_r128(mp3).true_peak, -1.0);
}

TEST(EpisodeAudio, NearSilentHissIsRaisedBy30DbAtMost) {
    sbtest::TempDir tmp;
    fs::path wav = tmp / "hiss.wav";
    fs::path opus = tmp / "hiss.opus";
    // Pink noise around -60 LUFS: reaching -16 would take +44 dB.
    sh("sox -n -r 48000 -b 16 -c 1 " + q(wav.string()) + " synth 6 pinknoise vol 0.002");
    sh("opusenc --quiet " + q(wav.string()) + " " + q(opus.string()));
    fs::path mp3 = tmp / "hiss.mp3";
    EpisodeAudio r = encode_episode_mp3(opus, mp3);
    EXPECT_LT(r.source.integrated_lufs, -50.0);
    EXPECT_DOUBLE_EQ(r.gain_db, sb::storysync::kMaxGainDb);
    R128 m = ffmpeg_r128(mp3);
    EXPECT_LT(m.integrated, -17.0);   // stays quiet, by design
    EXPECT_GT(m.integrated, r.source.integrated_lufs + 25.0);
    EXPECT_LE(m.true_peak, -1.0);
}

TEST(EpisodeAudio, GarbageOpusFailsNamingTheFileAndLeavesNoMp3) {
    sbtest::TempDir tmp;
    fs::path opus = tmp / "garbage.opus";
    {
        std::ofstream f(opus, std::ios::binary);
        for (int i = 0; i < 20000; ++i) f.put(static_cast<char>((i * 7919) & 0xff));
    }
    fs::path mp3 = tmp / "garbage.mp3";
    try {
        encode_episode_mp3(opus, mp3);
        FAIL() << "no error";
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find(opus.string()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(mp3));
    EXPECT_EQ(files_in(tmp.path()), 1u);
}

TEST(EpisodeAudio, TruncatedOpusFailsAndLeavesNoMp3) {
    sbtest::TempDir tmp;
    fs::path good = speech_opus(tmp.path(), "whole", 1, "gain -n -3");
    std::string bytes = sbtest::slurp_file(good);
    fs::path half = tmp / "half.opus";
    fs::path head = tmp / "head.opus";
    std::ofstream(half, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::ofstream(head, std::ios::binary) << bytes.substr(0, 60);
    for (const fs::path& opus : {half, head}) {
        fs::path mp3 = tmp / (opus.stem().string() + ".mp3");
        try {
            encode_episode_mp3(opus, mp3);
            ADD_FAILURE() << opus << ": no error";
        } catch (const sb::Error& e) {
            EXPECT_NE(std::string(e.what()).find(opus.string()), std::string::npos) << e.what();
        }
        EXPECT_FALSE(fs::exists(mp3)) << mp3;
    }
    EXPECT_THROW(measure_loudness(head), sb::Error);
}

TEST(EpisodeAudio, MissingOpusFailsNamingIt) {
    sbtest::TempDir tmp;
    try {
        encode_episode_mp3(tmp / "nope.opus", tmp / "nope.mp3");
        FAIL() << "no error";
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("nope.opus"), std::string::npos) << e.what();
    }
    EXPECT_EQ(files_in(tmp.path()), 0u);
}

TEST(EpisodeAudio, UnwritableOutputFolderFailsNamingTheMp3) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "speech", 1, "gain -n -3");
    // A folder that cannot take a new file: read-only for a normal user; for root (whom modes do
    // not stop), a "folder" that is really a file.
    fs::path dir = tmp / "out";
    fs::path mp3;
    if (::geteuid() != 0) {
        fs::create_directory(dir);
        fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
        mp3 = dir / "episode.mp3";
    } else {
        std::ofstream(dir) << "not a folder";
        mp3 = dir / "episode.mp3";
    }
    try {
        encode_episode_mp3(opus, mp3);
        FAIL() << "no error";
    } catch (const sb::IoError& e) {
        EXPECT_NE(std::string(e.what()).find(mp3.string()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(mp3));
    if (::geteuid() != 0) {
        EXPECT_EQ(files_in(dir), 0u);
        fs::permissions(dir, fs::perms::owner_all);
    }
}

TEST(EpisodeAudio, DiskFullFailsWithIoErrorAndLeavesNoFile) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "speech", 2, "gain -n -3");
    fs::path mp3 = tmp / "full.mp3";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // A file-size limit makes write(2) fail with EFBIG part-way, as a full disk would with ENOSPC.
    auto encode_with_small_disk = [&] {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit lim{20000, 20000};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        try {
            encode_episode_mp3(opus, mp3);
            std::_Exit(1);
        } catch (const sb::IoError& e) {
            bool ok = e.disk_full() && std::string(e.what()).find(mp3.string()) != std::string::npos;
            std::fprintf(stderr, "%s\n", e.what());
            std::_Exit(ok ? 0 : 2);
        } catch (...) {
            std::_Exit(3);
        }
    };
    EXPECT_EXIT(encode_with_small_disk(), ::testing::ExitedWithCode(0), "File too large");
    EXPECT_FALSE(fs::exists(mp3));
    EXPECT_EQ(files_in(tmp.path()), 6u);  // the generated inputs only
}

TEST(EpisodeAudio, FailedEncodingKeepsTheMp3ThatWasThere) {
    sbtest::TempDir tmp;
    fs::path opus = tmp / "garbage.opus";
    std::ofstream(opus) << "OggS but not really an Ogg Opus file at all";
    fs::path mp3 = tmp / "episode.mp3";
    std::ofstream(mp3) << "previous episode";
    EXPECT_THROW(encode_episode_mp3(opus, mp3), sb::Error);
    EXPECT_EQ(sbtest::slurp_file(mp3), "previous episode");
}

TEST(EpisodeAudio, MeasureLoudnessAgreesWithFfmpegOnOpusWavAndMp3) {
    sbtest::TempDir tmp;
    fs::path opus = speech_opus(tmp.path(), "speech", 2, "gain -n -6");
    fs::path wav = tmp / "speech.wav";
    fs::path mp3 = tmp / "speech.mp3";
    encode_episode_mp3(opus, mp3);
    for (const fs::path& f : {opus, wav, mp3}) {
        auto ours = measure_loudness(f);
        R128 theirs = ffmpeg_r128(f);
        EXPECT_NEAR(ours.integrated_lufs, theirs.integrated, 0.2) << f;
        EXPECT_NEAR(ours.true_peak_dbtp, theirs.true_peak, 0.3) << f;
        EXPECT_EQ(ours.channels, 2) << f;
        EXPECT_EQ(ours.sample_rate, 48000) << f;
        EXPECT_NEAR(ours.duration_s, opus_seconds(opus), 0.05) << f;
    }
    EXPECT_THROW(measure_loudness(tmp / "missing.flac"), sb::Error);
}

}  // namespace
