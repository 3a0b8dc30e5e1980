// Crash safety: a recording killed at any moment keeps all but the last half second.
#include "catalog/catalog.hpp"
#include "e2e/e2e.hpp"

#include <chrono>
#include <csignal>
#include <algorithm>
#include <gtest/gtest.h>
#include <thread>

using namespace sbtest;
namespace fs = std::filesystem;
using std::chrono::steady_clock;

namespace {

struct Killed {
    double recorded_s;  // how long the recording had been running when it was killed
};

// Starts a real-time recording, kills it `delay` seconds after it started recording.
Killed record_and_kill(const TempDir& t, double delay, int sig = SIGKILL) {
    Process p({storybooth(), "record", "--data", (t / "d").string(), "--input", conversation_wav().string(), "--realtime",
               "--json"},
              t / "err.txt", t / "out.json");
    if (!p.wait_for_stderr("recording story", std::chrono::seconds(20))) throw std::runtime_error("recording never started");
    const auto t0 = steady_clock::now();
    std::this_thread::sleep_until(t0 + std::chrono::duration<double>(delay));
    const double elapsed = std::chrono::duration<double>(steady_clock::now() - t0).count();
    p.kill(sig);
    p.wait();
    return {elapsed};
}

void expect_catalog_consistent(const fs::path& data) {
    auto cat = sb::Catalog::open(data / "catalog.db");
    EXPECT_EQ(cat.integrity_check(), "ok");
    EXPECT_TRUE(cat.ids_in_state("recording").empty());
    for (const auto& s : cat.list()) {
        for (const auto& f : s.files) {
            ASSERT_TRUE(fs::exists(data / f.path)) << f.path;
            EXPECT_EQ(fs::file_size(data / f.path), f.size);
        }
    }
}

}  // namespace

class CrashAt : public ::testing::TestWithParam<double> {};

TEST_P(CrashAt, SigkillLosesAtMostHalfASecondAndRecoverKeepsAPlayableStory) {
    TempDir t;
    const Killed k = record_and_kill(t, GetParam());
    auto r = run(q(storybooth()) + " recover --data " + q((t / "d").string()) + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto arr = parse_json(r.out);
    ASSERT_EQ(arr.size(), 1u) << r.out;
    auto j = arr[0];
    EXPECT_EQ(j["state"], "recovered");
    const double kept_s = j["duration_ms"].get<double>() / 1000.0;
    RecordProperty("recorded_s", std::to_string(k.recorded_s));
    RecordProperty("kept_s", std::to_string(kept_s));
    EXPECT_GE(kept_s, k.recorded_s - 0.5) << "recorded " << k.recorded_s << " s, kept " << kept_s << " s";
    EXPECT_LE(kept_s, k.recorded_s + 0.1);

    if (kept_s > 0) {
        const fs::path opus = j["opus"].get<std::string>();
        EXPECT_EQ(opusinfo_warnings(opus), "");
        EXPECT_NEAR(static_cast<double>(opus_samples(opus)) / 48.0, j["duration_ms"].get<double>(), 1.0);
        EXPECT_EQ(run("opusdec --quiet " + q(opus.string()) + " /dev/null").exit_code, 0);
        // Finalised like any story: loudness measured from the file, final tags written.
        if (kept_s > 1.0) {
            EXPECT_TRUE(j["lufs"].is_number());
            const auto tags = opus_comments(opus);
            EXPECT_NE(std::find(tags.begin(), tags.end(), "STORY_CODE=" + j["code"].get<std::string>()), tags.end());
            EXPECT_TRUE(std::any_of(tags.begin(), tags.end(), [](const std::string& t) { return t.rfind("R128_TRACK_GAIN=", 0) == 0; }));
        }
        // The master survives too: whole frames only, and exactly the start of the input.
        ASSERT_TRUE(j["master"].is_string());
        EXPECT_EQ(run("flac -t --silent " + q(j["master"].get<std::string>())).exit_code, 0);
        auto m = read_pcm(j["master"].get<std::string>());
        auto in = read_pcm(conversation_wav());
        EXPECT_GE(static_cast<double>(m.frames()) / 48000.0, k.recorded_s - 0.5);
        ASSERT_LE(m.samples.size(), in.samples.size());
        EXPECT_TRUE(std::equal(m.samples.begin(), m.samples.end(), in.samples.begin()));
    }
    expect_catalog_consistent(t / "d");

    // Recovery is idempotent.
    auto again = run(q(storybooth()) + " recover --data " + q((t / "d").string()) + " --json");
    ASSERT_EQ(again.exit_code, 0);
    EXPECT_EQ(parse_json(again.out).size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Moments, CrashAt, ::testing::Values(0.05, 0.3, 0.8, 1.7, 4.2));

TEST(Crash, KilledWhileStartingLeavesNoStoryOrAnHonestOne) {
    for (int delay_ms : {0, 5, 20, 60}) {
        TempDir t;
        {
            Process p({storybooth(), "record", "--data", (t / "d").string(), "--input", conversation_wav().string(),
                       "--realtime"},
                      t / "err.txt");
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            p.kill(SIGKILL);
            p.wait();
        }
        if (!fs::exists(t / "d" / "catalog.db")) continue;  // killed before anything was made
        auto r = run(q(storybooth()) + " recover --data " + q((t / "d").string()) + " --json");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        for (const auto& j : parse_json(r.out)) {
            EXPECT_EQ(j["state"], "recovered");
            if (j["duration_ms"] == 0) {
                EXPECT_NE(j["note"].get<std::string>().find("nothing was captured"), std::string::npos);
            }
        }
        expect_catalog_consistent(t / "d");
    }
}

TEST(Crash, SigtermStopsAndSavesACompleteStory) {
    TempDir t;
    const Killed k = record_and_kill(t, 1.5, SIGTERM);
    auto j = parse_json(slurp_file(t / "out.json"));
    EXPECT_EQ(j["state"], "complete");
    EXPECT_NEAR(j["duration_ms"].get<double>() / 1000.0, k.recorded_s, 0.3);
    EXPECT_EQ(opusinfo_warnings(j["opus"].get<std::string>()), "");
}

TEST(Crash, RecoverWithoutACatalogSaysSo) {
    TempDir t;
    auto r = run(q(storybooth()) + " recover --data " + q((t / "nothing-here").string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no catalog"), std::string::npos) << r.err;
}
