// The recording engine in-process, with sources the test controls (the edges we cannot have
// here: a microphone that goes quiet or disappears).
#include "capture/file_source.hpp"
#include "common/clock.hpp"
#include "e2e/e2e.hpp"
#include "record/finalise.hpp"
#include "record/layout.hpp"
#include "record/recorder.hpp"
#include "record/recovery.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using namespace sbtest;
namespace fs = std::filesystem;

namespace {

// A source the test feeds by hand: behaves like a device (the watchdog applies).
class ManualSource final : public sb::AudioSource {
public:
    explicit ManualSource(int channels = 1) { fmt_.channels = channels; }
    sb::SourceFormat format() const override { return fmt_; }
    std::string name() const override { return "Test USB Mic"; }
    bool is_device() const override { return true; }
    void start(sb::CaptureSink& sink) override { sink_ = &sink; }
    void stop() override {}
    // Pushes `seconds` of a tone.
    void feed(double seconds) {
        std::vector<std::int16_t> block(480 * static_cast<std::size_t>(fmt_.channels));
        for (int b = 0; b < static_cast<int>(seconds * 100); ++b) {
            for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::int16_t>(8000 * std::sin((n_++) * 0.06));
            while (sink_->ring().write_available() < block.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            sink_->push(block.data(), 480);
        }
    }
    void lose() { sink_->set_status(sb::SourceStatus::device_lost); }

private:
    sb::SourceFormat fmt_;
    sb::CaptureSink* sink_ = nullptr;
    std::uint64_t n_ = 0;
};

class FixedClock final : public sb::Clock {
public:
    std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::time_point{std::chrono::seconds(1'790'000'000)}; }
    bool trusted() const override { return false; }
};

void wait_recorded(const sb::Recorder& r, std::int64_t ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (r.recorded_ms() < ms && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

struct Fixture {
    TempDir t;
    sb::Catalog cat = sb::Catalog::open(t / "catalog.db");
    FixedClock clock;
    sb::RecorderSettings settings() {
        sb::RecorderSettings s;
        s.data_dir = t.path();
        return s;
    }
};

}  // namespace

TEST(Recorder, NextQuestionMarkersBecomeChaptersInTheListeningCopy) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    sb::NewStory ns;
    ns.title = "Chapters";
    ns.participants.push_back(sb::Participant{"Rosa Díaz", "70+", "grandmother", "storyteller", 1, std::nullopt});
    rec.start(src, ns);
    src.feed(1.0);
    wait_recorded(rec, 1000);
    rec.add_marker("Where did you grow up?");
    src.feed(1.5);
    wait_recorded(rec, 2500);
    rec.add_marker("¿Qué recuerdas de tu abuela?");
    src.feed(0.5);
    wait_recorded(rec, 3000);
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_EQ(out.story.state, "complete");
    EXPECT_EQ(out.story.markers.size(), 2u);
    auto tags = opus_comments(out.opus);
    auto has = [&](const std::string& s) { return std::find(tags.begin(), tags.end(), s) != tags.end(); };
    EXPECT_TRUE(has("CHAPTER001=00:00:01.000"));
    EXPECT_TRUE(has("CHAPTER001NAME=Where did you grow up?"));
    EXPECT_TRUE(has("CHAPTER002=00:00:02.500"));
    EXPECT_TRUE(has("CHAPTER002NAME=¿Qué recuerdas de tu abuela?"));
    EXPECT_TRUE(has("ARTIST=Rosa Díaz"));
    EXPECT_EQ(opusinfo_warnings(out.opus), "");
    EXPECT_FALSE(out.story.clock_trusted);
}

TEST(Recorder, PausedAudioIsNotRecorded) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    rec.start(src, {});
    src.feed(1.0);
    wait_recorded(rec, 1000);
    rec.pause();
    src.feed(1.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    rec.resume();
    src.feed(1.0);
    wait_recorded(rec, 2000);
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 2000.0, 20.0);
}

TEST(Recorder, LostMicrophoneEndsTheStoryKeepingWhatWasCaptured) {
    Fixture f;
    ManualSource src(2);
    sb::Recorder rec(f.cat, f.clock, f.settings());
    rec.start(src, {});
    src.feed(2.0);
    wait_recorded(rec, 2000);
    src.lose();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!rec.done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(rec.done());
    auto out = rec.finish();
    EXPECT_NE(out.fault.find("Test USB Mic"), std::string::npos) << out.fault;
    EXPECT_EQ(out.story.state, "complete");
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 2000.0, 20.0);
    EXPECT_EQ(out.story.note, out.fault);
}

TEST(Recorder, SilentDeviceTripsTheWatchdogAndKeepsTheAudio) {
    // PortAudio 19.6 can hang inside ALSA when a USB device is power-cycled: no error, no frames.
    Fixture f;
    ManualSource src;
    auto s = f.settings();
    s.watchdog_s = 0.5;
    sb::Recorder rec(f.cat, f.clock, s);
    rec.start(src, {});
    src.feed(1.0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!rec.done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(rec.done());
    auto out = rec.finish();
    EXPECT_NE(out.fault.find("sent no sound"), std::string::npos) << out.fault;
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 1000.0, 20.0);
}

TEST(Recorder, LevelsReachTheListenerForEveryTenthOfASecondOfAudio) {
    Fixture f;
    TempDir in;
    Pcm p;
    p.rate = 48000;
    p.channels = 2;
    for (int i = 0; i < 48000 * 2; ++i) {
        p.samples.push_back(static_cast<std::int16_t>(10000 * std::sin(i * 0.05)));
        p.samples.push_back(0);
    }
    write_wav(in / "a.wav", p);
    sb::FileSource src(in / "a.wav", 2, false);
    sb::Recorder rec(f.cat, f.clock, f.settings());
    std::vector<sb::Levels> seen;
    std::mutex m;
    rec.set_levels_listener([&](const sb::Levels& l, std::int64_t) {
        std::lock_guard<std::mutex> lock(m);
        seen.push_back(l);
    });
    rec.start(src, {});
    while (!rec.done()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rec.finish();
    std::lock_guard<std::mutex> lock(m);
    EXPECT_EQ(seen.size(), 20u);  // 2 s of audio
    ASSERT_FALSE(seen.empty());
    const auto& mid = seen[seen.size() / 2];
    EXPECT_NEAR(mid.ch[0].peak_dbfs, 20 * std::log10(10000.0 / 32768), 0.5);
    EXPECT_EQ(mid.ch[1].peak_dbfs, -120.0f);
}

TEST(Recovery, StoryWithNoAudioOnDiskIsKeptAndSaysNothingWasCaptured) {
    Fixture f;
    sb::NewStory ns;
    ns.title = "Interrupted at once";
    auto s = f.cat.create_story(ns);  // as if the power went right after the row was written
    auto rep = sb::recover_stories(f.cat, f.t.path());
    ASSERT_EQ(rep.recovered.size(), 1u);
    EXPECT_EQ(rep.recovered[0].state, "recovered");
    EXPECT_EQ(rep.recovered[0].duration_ms.value_or(-1), 0);
    EXPECT_NE(rep.recovered[0].note.find("nothing was captured"), std::string::npos);
    EXPECT_TRUE(rep.recovered[0].files.empty());
    EXPECT_TRUE(sb::recover_stories(f.cat, f.t.path()).recovered.empty());
}

TEST(Recovery, UnknownStoryFolderIsMovedAsideNeverDeleted) {
    Fixture f;
    const std::string id = "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f";
    fs::create_directories(sb::layout::story_dir(f.t.path(), id));
    sb::write_file_atomic(sb::layout::story_dir(f.t.path(), id) / "story.opus", "precious bytes");
    auto rep = sb::recover_stories(f.cat, f.t.path());
    ASSERT_EQ(rep.orphans.size(), 1u);
    EXPECT_EQ(sb::read_file(rep.orphans[0] / "story.opus"), "precious bytes");
    EXPECT_FALSE(fs::exists(sb::layout::story_dir(f.t.path(), id)));
}

TEST(Recovery, DeletionInterruptedBeforeTheFilesWentIsFinished) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    auto story = rec.start(src, {});
    src.feed(0.5);
    wait_recorded(rec, 500);
    rec.request_stop();
    rec.finish();
    f.cat.mark_deleted(story.id);  // then the power went before the files were removed
    auto rep = sb::recover_stories(f.cat, f.t.path());
    ASSERT_EQ(rep.deletions_finished.size(), 1u);
    EXPECT_FALSE(fs::exists(sb::layout::story_dir(f.t.path(), story.id)));
}

TEST(Finalise, ChapterTimesHaveMilliseconds) {
    EXPECT_EQ(sb::chapter_time(0), "00:00:00.000");
    EXPECT_EQ(sb::chapter_time(62'500), "00:01:02.500");
    EXPECT_EQ(sb::chapter_time(3'600'000 + 61'001), "01:01:01.001");
}
