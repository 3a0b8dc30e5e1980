// The recording engine in-process, with sources the test controls (the edges we cannot have
// here: a microphone that goes quiet or disappears).
#include "capture/file_source.hpp"
#include "common/clock.hpp"
#include "common/hash.hpp"
#include "e2e/e2e.hpp"
#include "record/finalise.hpp"
#include "record/layout.hpp"
#include "record/recorder.hpp"
#include "record/recovery.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using namespace sbtest;
namespace fs = std::filesystem;

namespace {

// A source the test feeds by hand: behaves like a device (the watchdog applies).
class ManualSource final : public sb::AudioSource {
public:
    explicit ManualSource(int channels = 1, int rate = 48000) {
        fmt_.channels = channels;
        fmt_.sample_rate = rate;
    }
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
            push(block);
        }
    }
    // Pushes `frames` frames of a ramp: frame k of the whole test holds the value k - 32768 in
    // every channel (unique while fewer than 65536 frames are fed), in 10 ms blocks.
    void feed_ramp(std::int64_t& k, std::int64_t frames) {
        const std::size_t ch = static_cast<std::size_t>(fmt_.channels);
        while (frames > 0) {
            const std::int64_t n = std::min<std::int64_t>(frames, 480);
            std::vector<std::int16_t> block(static_cast<std::size_t>(n) * ch);
            for (std::size_t i = 0; i < block.size(); ++i)
                block[i] = static_cast<std::int16_t>(k + static_cast<std::int64_t>(i / ch) - 32768);
            push(block);
            k += n;
            frames -= n;
        }
    }
    void lose() { sink_->set_status(sb::SourceStatus::device_lost); }

private:
    void push(const std::vector<std::int16_t>& block) {
        while (sink_->ring().write_available() < block.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        sink_->push(block.data(), block.size() / static_cast<std::size_t>(fmt_.channels));
    }
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

template <class F>
bool wait_until(F&& f) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!f() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return f();
}

// The ramp ManualSource::feed_ramp wrote for frames [from, to), one channel.
std::vector<std::int16_t> ramp(std::int64_t from, std::int64_t to) {
    std::vector<std::int16_t> v;
    for (std::int64_t k = from; k < to; ++k) v.push_back(static_cast<std::int16_t>(k - 32768));
    return v;
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

// ---- armed start, abort, hold for review, a microphone lost and back ----

TEST(Recorder, ArmedStartKeepsExactlyThePrerollBeforeBegin) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    std::atomic<int> levels{0};
    std::atomic<std::int64_t> last_ms{-1};
    rec.set_levels_listener([&](const sb::Levels&, std::int64_t ms) {
        levels.fetch_add(1);
        last_ms.store(ms);
    });
    sb::StartOptions opt;
    opt.armed = true;
    opt.preroll_seconds = 0.25;
    const auto story = rec.start(src, {}, opt);
    std::int64_t k = 0;
    src.feed_ramp(k, 48000);  // 1 s while armed: metered, not written
    ASSERT_TRUE(wait_until([&] { return levels.load() >= 10; }));
    EXPECT_EQ(last_ms.load(), 0);
    EXPECT_EQ(rec.recorded_ms(), 0);
    EXPECT_TRUE(rec.armed());
    rec.begin();  // at frame 48000: the 12000 frames before it are kept
    src.feed_ramp(k, 14400);
    wait_recorded(rec, 550);
    EXPECT_FALSE(rec.armed());
    rec.add_marker("After the pre-roll");
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_EQ(out.story.state, "complete");
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 550.0, 2.0);
    ASSERT_EQ(out.story.markers.size(), 1u);
    EXPECT_EQ(out.story.markers[0].offset_ms, 550);  // counted from the start of the pre-roll
    ASSERT_TRUE(out.master);
    auto pcm = read_pcm(*out.master);
    EXPECT_EQ(pcm.samples, ramp(48000 - 12000, 48000 + 14400));
    EXPECT_EQ(opusinfo_warnings(out.opus), "");
    (void)story;
}

TEST(Recorder, ArmedThenStoppedWithoutBeginRecordsNothing) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    sb::StartOptions opt;
    opt.armed = true;
    rec.start(src, {}, opt);
    src.feed(0.5);
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_EQ(out.story.duration_ms.value_or(-1), 0);
    EXPECT_NE(out.story.note.find("nothing was captured"), std::string::npos);
}

TEST(Recorder, AbortLeavesNoFilesAndNoRowOnlyATombstone) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    sb::StartOptions opt;
    opt.armed = true;
    sb::NewStory ns;
    ns.participants.push_back(sb::Participant{"Ana", "", "", "storyteller", 1, std::nullopt});
    ns.questions = {"Where did you grow up?"};
    const auto story = rec.start(src, ns, opt);
    const fs::path dir = sb::layout::story_dir(f.t.path(), story.id);
    EXPECT_TRUE(fs::exists(dir / "story.opus"));
    src.feed(0.5);
    rec.abort();
    EXPECT_FALSE(fs::exists(dir));
    EXPECT_FALSE(f.cat.get(story.id).has_value());
    EXPECT_TRUE(f.cat.list().empty());
    auto changes = f.cat.changes_since(0, 100);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].story_id, story.id);
    EXPECT_EQ(changes[0].kind, "tombstone");
    EXPECT_THROW(rec.finish(), sb::Error);
    EXPECT_TRUE(sb::recover_stories(f.cat, f.t.path()).recovered.empty());
}

TEST(Recorder, HeldForReviewThenSavedWithTheReviewTitle) {
    Fixture f;
    ManualSource src(2);
    sb::Recorder rec(f.cat, f.clock, f.settings());
    sb::NewStory ns;
    ns.participants.push_back(sb::Participant{"Rosa", "", "", "storyteller", 1, std::nullopt});
    const auto story = rec.start(src, ns);
    src.feed(1.0);
    wait_recorded(rec, 1000);
    rec.add_marker("First question");
    src.feed(0.5);
    wait_recorded(rec, 1500);
    rec.request_stop();
    auto out = rec.finish(sb::FinishMode::hold);

    // Held: whole files, measured, but the catalog still says "recording" and sync is not offered it.
    EXPECT_EQ(out.story.state, "recording");
    EXPECT_EQ(f.cat.get(story.id)->state, "recording");
    EXPECT_TRUE(f.cat.get(story.id)->files.empty());
    ASSERT_TRUE(out.held.has_value());
    EXPECT_TRUE(out.held->clean);
    EXPECT_TRUE(out.held->lufs.has_value());
    EXPECT_NEAR(static_cast<double>(out.duration_ms), 1500.0, 20.0);
    ASSERT_FALSE(out.opus.empty());
    EXPECT_EQ(opusinfo_warnings(out.opus), "");  // playable for listen-back
    EXPECT_GT(opus_samples(out.opus), 48000);

    f.cat.update_metadata(story.id, "Grandmother's kitchen", "Recipes and songs", {"family", "food"});
    auto saved = sb::finalise_held(f.cat, f.t.path(), story.id, *out.held);
    EXPECT_EQ(saved.state, "complete");
    EXPECT_EQ(saved.title, "Grandmother's kitchen");
    EXPECT_NEAR(static_cast<double>(*saved.duration_ms), 1500.0, 20.0);
    ASSERT_TRUE(saved.lufs.has_value());
    EXPECT_DOUBLE_EQ(*saved.lufs, *out.held->lufs);  // measured while recording, not re-measured
    ASSERT_EQ(saved.files.size(), 2u);
    for (const auto& file : saved.files) EXPECT_EQ(file.sha256, sb::sha256_file(f.t.path() / file.path));
    auto tags = opus_comments(out.opus);
    auto has = [&](const std::string& s) { return std::find(tags.begin(), tags.end(), s) != tags.end(); };
    EXPECT_TRUE(has("TITLE=Grandmother's kitchen"));
    EXPECT_TRUE(has("DESCRIPTION=Recipes and songs"));
    EXPECT_TRUE(has("CHAPTER001=00:00:01.000"));
    EXPECT_EQ(opusinfo_warnings(out.opus), "");
    // Saved once; a second save is refused.
    EXPECT_THROW(sb::finalise_held(f.cat, f.t.path(), story.id, *out.held), sb::Error);
}

TEST(Recovery, StoryHeldForReviewWhenThePowerFailsIsRecovered) {
    Fixture f;
    ManualSource src;
    sb::Recorder rec(f.cat, f.clock, f.settings());
    const auto story = rec.start(src, {});
    src.feed(1.0);
    wait_recorded(rec, 1000);
    rec.request_stop();
    auto out = rec.finish(sb::FinishMode::hold);
    ASSERT_TRUE(out.held.has_value());
    // The power fails during review: at the next start, recovery instead of finalise_held.
    auto rep = sb::recover_stories(f.cat, f.t.path());
    ASSERT_EQ(rep.recovered.size(), 1u);
    EXPECT_EQ(rep.recovered[0].id, story.id);
    EXPECT_EQ(rep.recovered[0].state, "recovered");
    EXPECT_NEAR(static_cast<double>(*rep.recovered[0].duration_ms), 1000.0, 20.0);
    EXPECT_EQ(rep.recovered[0].files.size(), 2u);
}

TEST(Recorder, LostMicrophoneWaitsThenContinuesFromANewSourceIntoTheSameFiles) {
    Fixture f;
    auto s = f.settings();
    s.wait_for_device = true;
    sb::Recorder rec(f.cat, f.clock, s);
    ManualSource first;
    const auto story = rec.start(first, {});
    std::int64_t k = 0;
    first.feed_ramp(k, 24000);
    wait_recorded(rec, 500);
    first.lose();
    ASSERT_TRUE(wait_until([&] { return rec.device_lost(); }));
    EXPECT_FALSE(rec.done());
    EXPECT_EQ(rec.fault(), "");
    // The files hold what was recorded, durably, while we wait.
    EXPECT_GT(fs::file_size(sb::layout::story_dir(f.t.path(), story.id) / "story.opus"), 2000u);
    rec.add_marker("While the mic was away");
    rec.release_source();
    EXPECT_TRUE(rec.device_lost());

    auto second = std::make_unique<ManualSource>();
    ManualSource& back = *second;
    rec.replace_source(std::move(second));
    EXPECT_FALSE(rec.device_lost());
    back.feed_ramp(k, 12000);
    wait_recorded(rec, 750);
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_EQ(out.fault, "");
    EXPECT_EQ(out.story.state, "complete");
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 750.0, 2.0);
    ASSERT_EQ(out.story.markers.size(), 1u);
    EXPECT_EQ(out.story.markers[0].offset_ms, 500);
    auto pcm = read_pcm(*out.master);
    EXPECT_EQ(pcm.samples, ramp(0, 36000));  // bit-exact, no gap
    EXPECT_EQ(opusinfo_warnings(out.opus), "");
}

TEST(Recorder, SilentDeviceWithWaitForDeviceWaitsInsteadOfEnding) {
    Fixture f;
    auto s = f.settings();
    s.wait_for_device = true;
    s.watchdog_s = 0.3;
    sb::Recorder rec(f.cat, f.clock, s);
    ManualSource first;
    rec.start(first, {});
    first.feed(0.5);
    ASSERT_TRUE(wait_until([&] { return rec.device_lost(); }));
    EXPECT_FALSE(rec.done());
    EXPECT_EQ(rec.fault(), "");
    ManualSource second;
    rec.replace_source(second);
    second.feed(0.5);
    wait_recorded(rec, 1000);
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 1000.0, 20.0);
}

TEST(Recorder, PausingWhileTheMicrophoneIsLostKeepsWorking) {
    Fixture f;
    auto s = f.settings();
    s.wait_for_device = true;
    sb::Recorder rec(f.cat, f.clock, s);
    ManualSource first;
    rec.start(first, {});
    std::int64_t k = 0;
    first.feed_ramp(k, 24000);
    wait_recorded(rec, 500);
    first.lose();
    ASSERT_TRUE(wait_until([&] { return rec.device_lost(); }));
    rec.pause();
    ManualSource second;
    rec.replace_source(second);
    second.feed_ramp(k, 4800);  // paused: not recorded
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(rec.recorded_ms(), 500);
    rec.resume();
    second.feed_ramp(k, 4800);
    wait_recorded(rec, 600);
    rec.request_stop();
    auto out = rec.finish();
    auto pcm = read_pcm(*out.master);
    auto want = ramp(0, 24000);
    auto tail = ramp(28800, 33600);
    want.insert(want.end(), tail.begin(), tail.end());
    EXPECT_EQ(pcm.samples, want);
}

TEST(Recorder, ReplacingWithADifferentFormatIsRefused) {
    Fixture f;
    auto s = f.settings();
    s.wait_for_device = true;
    sb::Recorder rec(f.cat, f.clock, s);
    ManualSource first;
    rec.start(first, {});
    first.feed(0.5);
    wait_recorded(rec, 500);
    first.lose();
    ASSERT_TRUE(wait_until([&] { return rec.device_lost(); }));
    ManualSource stereo(2);
    try {
        rec.replace_source(stereo);
        FAIL() << "a two-channel source was accepted for a one-channel recording";
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("2 channel(s) at 48000 Hz"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("1 channel(s) at 48000 Hz"), std::string::npos) << e.what();
    }
    ManualSource slower(1, 44100);
    EXPECT_THROW(rec.replace_source(slower), sb::Error);
    EXPECT_TRUE(rec.device_lost());  // still waiting; nothing changed
    ManualSource same;
    rec.replace_source(same);
    same.feed(0.5);
    wait_recorded(rec, 1000);
    rec.request_stop();
    auto out = rec.finish();
    EXPECT_NEAR(static_cast<double>(*out.story.duration_ms), 1000.0, 20.0);
}

TEST(Recorder, WithoutWaitForDeviceALostMicrophoneStillEndsTheRecording) {
    Fixture f;
    auto s = f.settings();
    s.wait_for_device = false;
    sb::Recorder rec(f.cat, f.clock, s);
    ManualSource src;
    rec.start(src, {});
    src.feed(0.5);
    wait_recorded(rec, 500);
    src.lose();
    ASSERT_TRUE(wait_until([&] { return rec.done(); }));
    EXPECT_FALSE(rec.device_lost());
    ManualSource other;
    EXPECT_THROW(rec.replace_source(other), sb::Error);  // the recording has ended
    auto out = rec.finish();
    EXPECT_NE(out.fault.find("stopped working"), std::string::npos);
    EXPECT_EQ(out.story.state, "complete");
}
