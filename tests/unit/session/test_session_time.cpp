// Time in the session: the limit and its warnings, timer events, pauses, a microphone that goes
// and comes back, the idle timeout in each kind of state, and the level meter's pace.
#include "record/layout.hpp"
#include "unit/session/session_test_util.hpp"

using namespace sbtest;
namespace fs = std::filesystem;
using sb::SessionState;

TEST_F(SessionTest, TimeLimitStopsIntoReviewAfterBothWarnings) {
    settings.time_limit_s = 3;
    settings.warnings_s = {2, 1};
    settings.preroll_s = 0;
    to_mic_check();
    s().record();
    EXPECT_EQ(s().snapshot().remaining_ms, 3000);
    for (int i = 0; i < 3; ++i) {
        feed_and_wait(1.0);
        pass(1);
    }
    // The recorder stops itself at 3 s; the next ticks move the session on.
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return state() == SessionState::review;
    }));
    {
        std::lock_guard<std::mutex> lock(events.m);
        EXPECT_EQ(events.warnings, (std::vector<int>{2, 1}));
        ASSERT_GE(events.timers.size(), 2u);
        EXPECT_EQ(events.timers[0], (std::pair<std::int64_t, std::int64_t>{1000, 2000}));
        EXPECT_EQ(events.timers[1], (std::pair<std::int64_t, std::int64_t>{2000, 1000}));
        EXPECT_TRUE(events.errors.empty());
    }
    const auto snap = s().snapshot();
    EXPECT_EQ(snap.elapsed_ms, 3000);
    EXPECT_EQ(snap.remaining_ms, 0);
    EXPECT_EQ(cat.get(snap.story_id)->state, "recording");  // kept, waiting for save
    EXPECT_FALSE(mic.feed(0.1));                              // the microphone was let go
    s().save();
    EXPECT_NEAR(static_cast<double>(cat.get(snap.story_id)->duration_ms.value_or(0)), 3000.0, 2.0);
}

TEST_F(SessionTest, WarningsBeyondTheLimitAreNotGiven) {
    settings.time_limit_s = 120;  // 300 s left is never true
    to_recording();
    pass(2);
    std::lock_guard<std::mutex> lock(events.m);
    EXPECT_TRUE(events.warnings.empty());
}

TEST_F(SessionTest, TimerEventsComeOnceASecondWhileRecordingOrPaused) {
    to_recording();
    pass(3);
    s().pause();
    pass(2);
    std::lock_guard<std::mutex> lock(events.m);
    ASSERT_EQ(events.timers.size(), 5u);
    for (const auto& [elapsed, remaining] : events.timers) {
        EXPECT_EQ(elapsed, 500);
        EXPECT_EQ(remaining, 2400 * 1000 - 500);
    }
}

TEST_F(SessionTest, PausedAudioIsNotInTheRecording) {
    to_recording();  // 0.5 s of pre-roll
    feed_and_wait(1.0);
    s().pause();
    EXPECT_EQ(state(), SessionState::paused);
    const int levels = events.level_count();
    ASSERT_TRUE(mic.feed(1.0));  // metered, not recorded
    ASSERT_TRUE(wait_for([&] { return events.level_count() >= levels + 10; }));
    EXPECT_EQ(s().snapshot().elapsed_ms, 1500);
    s().next_question();  // allowed while paused
    s().resume();
    EXPECT_EQ(state(), SessionState::recording);
    feed_and_wait(1.0);
    s().stop();
    s().save();
    auto st = cat.get(s().snapshot().story_id);
    EXPECT_NEAR(static_cast<double>(st->duration_ms.value_or(0)), 2500.0, 2.0);
    ASSERT_EQ(st->markers.size(), 1u);
    EXPECT_EQ(st->markers[0].offset_ms, 1500);  // pressed while paused
}

TEST_F(SessionTest, MicrophoneLostAndBackContinuesTheSameStory) {
    to_recording();
    feed_and_wait(1.0);
    const std::string id = s().snapshot().story_id;
    mic.set_present(false);
    mic.lose();
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return state() == SessionState::mic_lost;
    }));
    auto snap = s().snapshot();
    EXPECT_FALSE(snap.mic_present);
    EXPECT_NE(snap.error.find("disconnected"), std::string::npos) << snap.error;
    {
        std::lock_guard<std::mutex> lock(events.m);
        ASSERT_EQ(events.errors.size(), 1u);
        EXPECT_EQ(events.errors[0], snap.error);
    }
    pass(5);  // still away: waits, never idles out
    EXPECT_EQ(state(), SessionState::mic_lost);
    EXPECT_EQ(mic.opened(), 1);
    mic.set_present(true);
    pass(1);
    EXPECT_EQ(state(), SessionState::recording);
    EXPECT_EQ(mic.opened(), 2);
    snap = s().snapshot();
    EXPECT_TRUE(snap.mic_present);
    EXPECT_EQ(snap.error, "");
    EXPECT_EQ(snap.story_id, id);
    feed_and_wait(1.0);
    s().next_question();
    s().stop();
    s().save();
    auto st = cat.get(id);
    EXPECT_EQ(st->state, "complete");
    EXPECT_NEAR(static_cast<double>(st->duration_ms.value_or(0)), 2500.0, 2.0);
    ASSERT_EQ(st->markers.size(), 1u);
    EXPECT_EQ(st->markers[0].offset_ms, 2500);
    EXPECT_EQ(cat.list().size(), 1u);
    auto master = read_pcm(dir.path() / st->files[1].path);
    EXPECT_EQ(master.frames(), 2500u * 48u);
}

TEST_F(SessionTest, MicrophoneLostWhilePausedComesBackPaused) {
    to_recording();
    s().pause();
    mic.lose();
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return state() == SessionState::mic_lost;
    }));
    ASSERT_TRUE(wait_for([&] {
        pass(1);
        return state() != SessionState::mic_lost;
    }));
    EXPECT_EQ(state(), SessionState::paused);
    s().resume();
    feed_and_wait(0.5);
    EXPECT_EQ(s().snapshot().elapsed_ms, 1000);
}

TEST_F(SessionTest, ADifferentMicrophoneIsNotUsedToContinue) {
    to_recording();
    mic.set_present(false);
    mic.lose();
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return state() == SessionState::mic_lost;
    }));
    mic.set_format(1, 48000);  // a one-channel microphone where two were
    mic.set_present(true);
    pass(3);
    EXPECT_EQ(state(), SessionState::mic_lost);
    EXPECT_NE(s().snapshot().error.find("1 channel(s)"), std::string::npos) << s().snapshot().error;
    {
        std::lock_guard<std::mutex> lock(events.m);
        EXPECT_EQ(events.errors.size(), 2u);  // lost, then why the new one cannot be used (once)
    }
    mic.set_format(2, 48000);
    pass(1);
    EXPECT_EQ(state(), SessionState::recording);
}

TEST_F(SessionTest, StoppingWhileTheMicrophoneIsLostKeepsTheStory) {
    to_recording();
    feed_and_wait(1.0);
    mic.set_present(false);
    mic.lose();
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return state() == SessionState::mic_lost;
    }));
    s().stop();
    EXPECT_EQ(state(), SessionState::review);
    EXPECT_EQ(s().snapshot().error, "");
    s().save();
    EXPECT_NEAR(static_cast<double>(cat.get(s().snapshot().story_id)->duration_ms.value_or(0)), 1500.0, 2.0);
}

TEST_F(SessionTest, MicrophoneLostDuringTheMicCheckWaitsThere) {
    to_mic_check();
    mic.set_present(false);
    mic.lose();
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return !s().snapshot().mic_present;
    }));
    EXPECT_EQ(state(), SessionState::mic_check);
    EXPECT_EQ(sbtest::status_of([&] { s().record(); }), 503);
    mic.set_present(true);
    pass(1);
    EXPECT_TRUE(s().snapshot().mic_present);
    ASSERT_TRUE(mic.feed(0.5));
    s().record();
    wait_elapsed(500);
}

TEST_F(SessionTest, IdleBeforeTheMicCheckGoesBackToWelcome) {
    settings.idle_timeout_s = 5;
    s().start("en");
    s().set_participants(two_people());
    pass(4);
    s().touch();  // someone is still there
    pass(4);
    EXPECT_EQ(state(), SessionState::consent);
    pass(1);
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_TRUE(s().snapshot().participants.empty());
    EXPECT_EQ(cat.latest_seq(), 0);
}

TEST_F(SessionTest, IdleAtTheMicCheckAbandonsTheStory) {
    settings.idle_timeout_s = 5;
    to_mic_check();
    const std::string id = s().snapshot().story_id;
    pass(5);
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_FALSE(cat.get(id).has_value());
    EXPECT_FALSE(fs::exists(sb::layout::story_dir(dir.path(), id)));
}

TEST_F(SessionTest, IdleInReviewSavesTheStory) {
    settings.idle_timeout_s = 5;
    to_recording();
    s().stop();
    const std::string id = s().snapshot().story_id;
    s().review("Walked away", "", {});
    pass(5);
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_TRUE(events.saw(SessionState::saved));
    auto st = cat.get(id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, "complete");
    EXPECT_EQ(st->title, "Walked away");
    EXPECT_EQ(st->files.size(), 2u);
}

TEST_F(SessionTest, NeverIdleWhileRecordingPausedOrWaitingForTheMicrophone) {
    settings.idle_timeout_s = 5;
    to_recording();
    pass(20);
    EXPECT_EQ(state(), SessionState::recording);
    s().pause();
    pass(20);
    EXPECT_EQ(state(), SessionState::paused);
    s().resume();
    mic.set_present(false);
    mic.lose();
    ASSERT_TRUE(wait_for([&] {
        s().tick();
        return state() == SessionState::mic_lost;
    }));
    pass(20);
    EXPECT_EQ(state(), SessionState::mic_lost);
}

TEST_F(SessionTest, IdleAfterSavedOrDeletedGoesBackToWelcome) {
    settings.idle_timeout_s = 5;
    to_recording();
    s().stop();
    s().save();
    pass(5);
    EXPECT_EQ(state(), SessionState::welcome);
    to_recording();
    s().discard();
    EXPECT_EQ(state(), SessionState::deleted);
    pass(5);
    EXPECT_EQ(state(), SessionState::welcome);
}

TEST_F(SessionTest, AWallClockJumpIsNotIdleTime) {
    settings.idle_timeout_s = 5;
    s().start("en");
    clock.advance(std::chrono::hours(24 * 365));  // NTP sets the clock of a Pi without a real-time clock
    s().tick();
    EXPECT_EQ(state(), SessionState::participants);
    pass(4);
    EXPECT_EQ(state(), SessionState::participants);
    pass(1);
    EXPECT_EQ(state(), SessionState::welcome);
}

TEST_F(SessionTest, LevelsReachTheListenerTenTimesASecondOfAudioInMicCheck) {
    to_questions();
    s().mic_check();
    ASSERT_TRUE(mic.feed(2.0));
    ASSERT_TRUE(wait_for([&] { return events.level_count() >= 20; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard<std::mutex> lock(events.m);
    EXPECT_EQ(events.levels, 20);
    EXPECT_EQ(events.last_levels.channels, 2);
    EXPECT_GT(events.last_levels.ch[0].peak_dbfs, -20.0f);
    EXPECT_EQ(events.last_levels_elapsed_ms, 0);
}
