// The storybooth program, run as a person would run it.
#include "catalog/catalog.hpp"
#include "e2e/e2e.hpp"
#include "repair/flac_fix.hpp"

#include <algorithm>
#include <cstdlib>
#include <gtest/gtest.h>

using namespace sbtest;
namespace fs = std::filesystem;

namespace {

bool has_comment(const std::vector<std::string>& c, const std::string& prefix) {
    return std::any_of(c.begin(), c.end(), [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

}  // namespace

TEST(RecordCli, RecordsASpokenConversationIntoAPlayableTaggedStoryAndBitExactMaster) {
    TempDir t;
    const auto in = conversation_wav();
    auto r = run(q(storybooth()) + " record --data " + q((t / "data").string()) + " --input " + q(in.string()) +
                 " --title " + q("Grandma's river") + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_EQ(j["state"], "complete");
    EXPECT_TRUE(j["code"].get<std::string>().rfind("MAIN-", 0) == 0) << j["code"];
    EXPECT_EQ(j["overflows"], 0);
    ASSERT_TRUE(j["opus"].is_string());
    ASSERT_TRUE(j["master"].is_string());
    const fs::path opus = j["opus"].get<std::string>();
    const fs::path master = j["master"].get<std::string>();
    EXPECT_EQ(opus.parent_path().filename().string(), j["id"].get<std::string>());

    auto input = read_pcm(in);
    const double input_ms = 1000.0 * static_cast<double>(input.frames()) / input.rate;
    // Duration: the catalog's and the file's agree with the input within 20 ms.
    EXPECT_NEAR(j["duration_ms"].get<double>(), input_ms, 20.0);
    EXPECT_NEAR(static_cast<double>(opus_samples(opus)) / 48.0, input_ms, 20.0);
    EXPECT_EQ(opusinfo_warnings(opus), "");
    EXPECT_EQ(run("opusdec --quiet " + q(opus.string()) + " /dev/null").exit_code, 0);

    auto tags = opus_comments(opus);
    EXPECT_TRUE(has_comment(tags, "TITLE=Grandma's river"));
    EXPECT_TRUE(has_comment(tags, "STORY_CODE=" + j["code"].get<std::string>()));
    EXPECT_TRUE(has_comment(tags, "DATE="));
    EXPECT_TRUE(has_comment(tags, "R128_TRACK_GAIN="));
    EXPECT_TRUE(has_comment(tags, "BOOTH="));

    // Loudness was measured: espeak speech sits well inside normal speech levels.
    ASSERT_TRUE(j["lufs"].is_number());
    EXPECT_GT(j["lufs"].get<double>(), -40.0);
    EXPECT_LT(j["lufs"].get<double>(), -10.0);
    ASSERT_TRUE(j["true_peak_dbtp"].is_number());
    EXPECT_LE(j["true_peak_dbtp"].get<double>(), 1.0);

    // The master is the input, sample for sample.
    auto m = read_pcm(master);
    EXPECT_EQ(m.rate, 48000);
    EXPECT_EQ(m.channels, 2);
    EXPECT_TRUE(m.samples == input.samples) << "master differs from input (" << m.frames() << " vs " << input.frames() << " frames)";
    EXPECT_EQ(run("flac -t --silent " + q(master.string())).exit_code, 0);

    // The catalog agrees, and its files rows carry sizes and hashes.
    auto cat = sb::Catalog::open(t / "data" / "catalog.db");
    EXPECT_EQ(cat.integrity_check(), "ok");
    auto s = cat.get(j["id"].get<std::string>());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, "complete");
    EXPECT_EQ(s->title, "Grandma's river");
    ASSERT_EQ(s->files.size(), 2u);
    for (const auto& f : s->files) {
        EXPECT_EQ(f.size, fs::file_size(t / "data" / f.path));
        EXPECT_EQ(f.sha256.size(), 64u);
    }
    EXPECT_GE(cat.latest_seq(), 2);  // created, then finished
}

TEST(RecordCli, OneMicMakesAMonoListeningCopyAndAOneChannelMaster) {
    TempDir t;
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " + q(conversation_wav().string()) +
                 " --channels 1 --seconds 3 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_NEAR(j["duration_ms"].get<double>(), 3000.0, 20.0);
    auto info = run("opusinfo " + q(j["opus"].get<std::string>()));
    EXPECT_NE(info.out.find("Channels: 1"), std::string::npos) << info.out;
    auto m = read_pcm(j["master"].get<std::string>());
    EXPECT_EQ(m.channels, 1);
    EXPECT_EQ(m.frames(), 3u * 48000u);
    auto input = read_pcm(conversation_wav());
    for (std::size_t i = 0; i < m.frames(); ++i) ASSERT_EQ(m.samples[i], input.samples[2 * i]);
}

TEST(RecordCli, MasterNoneWritesOnlyTheListeningCopy) {
    TempDir t;
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " + q(conversation_wav().string()) +
                 " --seconds 2 --master none --bitrate 32000 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_TRUE(j["master"].is_null());
    EXPECT_EQ(opusinfo_warnings(j["opus"].get<std::string>()), "");
}

TEST(RecordCli, A44100HzSourceIsResampledFor48kHzOpusAndItsMasterKeptAsCaptured) {
    TempDir t;
    ASSERT_EQ(run("sox " + q(conversation_wav().string()) + " -r 44100 " + q((t / "cd.wav").string()) + " trim 0 4").exit_code, 0);
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " + q((t / "cd.wav").string()) + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_NEAR(j["duration_ms"].get<double>(), 4000.0, 20.0);
    auto info = run("opusinfo " + q(j["opus"].get<std::string>()));
    EXPECT_NE(info.out.find("44100"), std::string::npos) << info.out;  // original rate noted in the header
    EXPECT_EQ(read_pcm(j["master"].get<std::string>()).rate, 44100);
    EXPECT_EQ(read_pcm(j["master"].get<std::string>()).samples, read_pcm(t / "cd.wav").samples);
}

TEST(RecordCli, StoryCodesCountUpAndIdsAreUuids) {
    TempDir t;
    std::vector<std::string> codes;
    for (int i = 0; i < 3; ++i) {
        auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " +
                     q(conversation_wav().string()) + " --seconds 0.5 --master none --json");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto j = parse_json(r.out);
        codes.push_back(j["code"]);
        EXPECT_EQ(j["id"].get<std::string>().size(), 36u);
    }
    EXPECT_EQ(codes, (std::vector<std::string>{"MAIN-0001", "MAIN-0002", "MAIN-0003"}));
}

TEST(RecordCli, OddTitlesSurviveIntoTagsAndCatalog) {
    TempDir t;
    std::string title = "Abuela 👵 y el río — שלום عائلتي ";
    while (title.size() < 500) title += "x";
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " + q(conversation_wav().string()) +
                 " --seconds 1 --title " + q(title) + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_TRUE(has_comment(opus_comments(j["opus"].get<std::string>()), "TITLE=" + title));
    auto cat = sb::Catalog::open(t / "d" / "catalog.db");
    EXPECT_EQ(cat.get(j["id"])->title, title);
}

TEST(RecordCli, MissingInputFileSaysWhichFileInOneLine) {
    TempDir t;
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input /nonexistent/interview.wav");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "storybooth: input file /nonexistent/interview.wav does not exist\n");
}

TEST(RecordCli, NonAudioInputIsRefusedAndNoStoryIsMade) {
    TempDir t;
    ASSERT_EQ(run("echo 'hello, not audio' > " + q((t / "x.wav").string())).exit_code, 0);
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " + q((t / "x.wav").string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_FALSE(fs::exists(t / "d" / "stories"));
}

TEST(RecordCli, UnknownDeviceListsWhatExists) {
    TempDir t;
    auto r = run(q(storybooth()) + " record --data " + q((t / "d").string()) + " --device 'Nonexistent USB Mic'");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no microphone matches 'Nonexistent USB Mic'"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(RecordCli, NoSourceGivenExplainsTheChoice) {
    auto r = run(q(storybooth()) + " record --data /tmp/unused");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("--device"), std::string::npos);
    EXPECT_NE(r.err.find("--input"), std::string::npos);
}

TEST(RecordCli, BadArgumentsExitNonZeroWithOneLine) {
    auto r = run(q(storybooth()) + " record --input x.wav --channels 3");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    auto r2 = run(q(storybooth()) + " fly");
    EXPECT_NE(r2.exit_code, 0);
}

TEST(RecordCli, HelpAndVersionWorkEverywhere) {
    EXPECT_EQ(run(q(storybooth()) + " --help").exit_code, 0);
    for (const char* sub : {"devices", "record", "recover"}) {
        auto r = run(q(storybooth()) + " " + sub + " --help");
        EXPECT_EQ(r.exit_code, 0) << sub;
        EXPECT_NE(r.out.find("--json"), std::string::npos) << sub;
    }
    auto v = run(q(storybooth()) + " --version");
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out.rfind("storybooth ", 0), 0u);
}

TEST(RecordCli, DiskFullStopsCleanlyKeepsValidFilesAndSaysWhy) {
    TempDir t;
    // A ~1 MB file-size limit (dash counts 512-byte blocks): the master outgrows it within
    // seconds, and every write past it fails.
    auto r = run("ulimit -f 2000; exec " + q(storybooth()) + " record --data " + q((t / "d").string()) + " --input " +
                 q(conversation_wav().string()) + " --json");
    EXPECT_EQ(r.exit_code, 3) << r.err;
    auto j = parse_json(r.out);
    EXPECT_EQ(j["state"], "complete");
    ASSERT_TRUE(j["fault"].is_string());
    EXPECT_NE(j["fault"].get<std::string>().find("too large"), std::string::npos) << j["fault"];
    EXPECT_GT(j["duration_ms"].get<int>(), 1000);
    EXPECT_LT(j["duration_ms"].get<int>(), 30000);
    const fs::path opus = j["opus"].get<std::string>();
    EXPECT_EQ(opusinfo_warnings(opus), "");
    EXPECT_GT(opus_samples(opus), 48000);
    ASSERT_TRUE(j["master"].is_string());
    EXPECT_EQ(run("flac -t --silent " + q(j["master"].get<std::string>())).exit_code, 0);
    auto cat = sb::Catalog::open(t / "d" / "catalog.db");
    EXPECT_EQ(cat.integrity_check(), "ok");
    auto s = cat.get(j["id"]);
    EXPECT_FALSE(s->note.empty());
    EXPECT_TRUE(cat.ids_in_state("recording").empty());
}

TEST(DevicesCli, ListsDevicesOrSaysThereAreNone) {
    // No sound card on a build machine: a plain sentence, exit 0. With one, a table.
    auto r = run(q(storybooth()) + " devices");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(r.out.empty());
    auto j = run(q(storybooth()) + " devices --json");
    EXPECT_EQ(j.exit_code, 0);
    EXPECT_TRUE(parse_json(j.out).is_array());
}
