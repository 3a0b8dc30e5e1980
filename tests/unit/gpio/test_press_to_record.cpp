// Press-to-record against a real SessionManager, a real catalog and a test microphone: the
// button (a fake chip, with bounce) starts and stops quick guestbook recordings; the LED follows.
#include "gpio/press_to_record.hpp"
#include "unit/gpio/fake_chip.hpp"
#include "unit/session/session_test_util.hpp"

using namespace sbtest;
using namespace std::chrono_literals;
using sb::SessionState;
using sb::gpio::LedPattern;

namespace {

class PressTest : public SessionTest {
protected:
    FakeSteady t;
    FakeChip chip{{"GPIO17", "GPIO27"}, t.fn()};
    std::unique_ptr<sb::gpio::InputLine> button = chip.request_input("GPIO17", "test");
    std::unique_ptr<sb::gpio::OutputLine> led_line = chip.request_output("GPIO27", "test", false);
    sb::gpio::LedDriver led{*led_line, t.fn()};
    sb::gpio::PressToRecordSettings prs = [] {
        sb::gpio::PressToRecordSettings p;
        p.min_seconds = 2;
        p.max_seconds = 300;
        p.error_for = 3000ms;
        return p;
    }();
    std::unique_ptr<sb::gpio::PressToRecord> ptr;

    sb::gpio::PressToRecord& p() {
        s();
        if (!ptr) ptr = std::make_unique<sb::gpio::PressToRecord>(*session, clock, *button, &led, prs, t.fn());
        return *ptr;
    }
    // Hands the edges waiting on the line to the controller, then polls.
    void pump() {
        while (auto e = button->wait_edge(0ms)) p().on_edge(*e);
        p().poll();
        led.update();
    }
    void after(std::chrono::milliseconds d) {
        t.advance(d);
        pump();
    }
    // A clean press and release, each held 100 ms.
    void tap() {
        chip.press(t.now());
        after(100ms);
        chip.release(t.now());
        after(100ms);
    }
    std::string story_id() { return s().snapshot().story_id; }
    // Ticks the session and pumps the button until the recording has been saved (or time is up).
    bool until_saved() {
        return wait_for([&] {
            s().tick();
            pump();
            return state() == SessionState::saved;
        });
    }
};

}  // namespace

TEST_F(PressTest, APressStartsAGuestbookRecording) {
    p();
    EXPECT_EQ(state(), SessionState::welcome);
    tap();
    EXPECT_EQ(p().presses(), 1);
    const auto snap = s().snapshot();
    EXPECT_EQ(snap.state, SessionState::recording);
    ASSERT_EQ(snap.participants.size(), 1u);
    EXPECT_EQ(snap.participants[0].name, "Guest");
    EXPECT_EQ(snap.participants[0].role, "storyteller");
    EXPECT_TRUE(snap.questions.empty());
    EXPECT_EQ(snap.current_question, -1);
    EXPECT_EQ(led.pattern(), LedPattern::solid);
    EXPECT_TRUE(chip.led());
    EXPECT_EQ(p().last_error(), "");
}

TEST_F(PressTest, ALevelMustHoldForTheDebounceTimeToCount) {
    p();
    chip.press(t.now());
    after(20ms);
    EXPECT_EQ(p().presses(), 0);
    EXPECT_EQ(state(), SessionState::welcome);
    chip.release(t.now());  // a 20 ms spike: not a press
    after(100ms);
    EXPECT_EQ(p().presses(), 0);
    EXPECT_EQ(state(), SessionState::welcome);
}

TEST_F(PressTest, ContactBounceCountsAsOnePress) {
    p();
    // press-release-press within 5 ms, then held; the release bounces too.
    const auto t0 = t.now();
    chip.press(t0);
    chip.release(t0 + 2ms);
    chip.press(t0 + 4ms);
    t.advance(5ms);
    after(100ms);
    chip.release(t.now());
    chip.press(t.now() + 1ms);
    chip.release(t.now() + 3ms);
    t.advance(3ms);
    after(100ms);
    EXPECT_EQ(p().presses(), 1);
    EXPECT_EQ(state(), SessionState::recording);
}

TEST_F(PressTest, APressIsJudgedOnItsEdgesTimesSoALatePollStillSeesIt) {
    p();
    // Pressed for 60 ms and let go before anything polled: both edges are read together.
    chip.press(t.now());
    t.advance(60ms);
    chip.release(t.now());
    pump();
    EXPECT_EQ(p().presses(), 1);
    EXPECT_EQ(state(), SessionState::recording);
}

TEST_F(PressTest, AStopPressBeforeTheShortestLengthIsIgnored) {
    p();
    tap();
    feed_and_wait(1.0);
    tap();  // 1 s of audio, the shortest is 2 s
    EXPECT_EQ(p().presses(), 2);
    EXPECT_EQ(state(), SessionState::recording);
    EXPECT_EQ(led.pattern(), LedPattern::solid);
}

TEST_F(PressTest, AStopPressAfterTheShortestLengthSavesAPrivateStoryWithConsentStamped) {
    p();
    tap();
    const std::string id = story_id();
    feed_and_wait(1.0);
    tap();  // too early: ignored
    feed_and_wait(1.5);
    tap();
    EXPECT_EQ(state(), SessionState::saved);
    EXPECT_EQ(p().last_error(), "");
    auto st = cat.get(id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, "complete");
    EXPECT_EQ(st->share_level, "private");
    EXPECT_EQ(st->language, "en");
    EXPECT_EQ(st->title.rfind("Guestbook — 2026-11-2", 0), 0u) << st->title;
    EXPECT_NEAR(static_cast<double>(st->duration_ms.value_or(0)), 2500.0, 50.0);
    ASSERT_EQ(st->participants.size(), 1u);
    EXPECT_EQ(st->participants[0].name, "Guest");
    EXPECT_EQ(st->participants[0].role, "storyteller");
    EXPECT_EQ(st->participants[0].mic_channel, 1);
    ASSERT_TRUE(st->participants[0].consent);
    EXPECT_EQ(st->participants[0].consent->choice, "private");
    EXPECT_EQ(st->participants[0].consent->release_version, "2026-1");
    EXPECT_EQ(st->participants[0].consent->typed_name, "Guest");
    EXPECT_FALSE(st->participants[0].consent->agreed_at.empty());
    // Idle again: the LED blinks slowly and the next press starts a new story.
    EXPECT_EQ(led.pattern(), LedPattern::idle);
    tap();
    EXPECT_EQ(state(), SessionState::recording);
    EXPECT_NE(story_id(), id);
}

TEST_F(PressTest, TheLongestLengthStopsAndSavesByItself) {
    prs.max_seconds = 2;
    p();
    tap();
    const std::string id = story_id();
    ASSERT_TRUE(mic.feed(3.0));
    ASSERT_TRUE(until_saved());
    auto st = cat.get(id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, "complete");
    EXPECT_EQ(st->share_level, "private");
    EXPECT_NEAR(static_cast<double>(st->duration_ms.value_or(0)), 2000.0, 50.0);
    EXPECT_EQ(led.pattern(), LedPattern::idle);
}

TEST_F(PressTest, TheTimeLimitCapsTheLongestLength) {
    settings.time_limit_s = 1;  // shorter than max_seconds (300)
    p();
    tap();
    const std::string id = story_id();
    ASSERT_TRUE(mic.feed(2.0));
    ASSERT_TRUE(until_saved());
    EXPECT_NEAR(static_cast<double>(cat.get(id)->duration_ms.value_or(0)), 1000.0, 50.0);
}

TEST_F(PressTest, APressDuringATouchscreenSessionIsIgnored) {
    p();
    s().start("en");
    s().set_participants(two_people());
    tap();
    tap();
    EXPECT_EQ(p().presses(), 2);
    EXPECT_EQ(state(), SessionState::consent);
    EXPECT_TRUE(cat.list().empty());
    EXPECT_EQ(led.pattern(), LedPattern::off);  // the button does nothing now

    // Nor can it stop a recording the screen started; the LED shows the recording.
    s().discard();
    to_recording();
    tap();
    EXPECT_EQ(state(), SessionState::recording);
    pump();
    EXPECT_EQ(led.pattern(), LedPattern::solid);
    s().stop();
    s().save();
    pump();
    EXPECT_EQ(led.pattern(), LedPattern::idle);
}

TEST_F(PressTest, NoMicrophoneBlinksTheErrorAndLeavesNothing) {
    mic.set_present(false);
    p();
    tap();
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_NE(p().last_error().find("no microphone"), std::string::npos) << p().last_error();
    EXPECT_EQ(led.pattern(), LedPattern::error);
    EXPECT_TRUE(cat.list().empty());
    // Fast blink: on and off within 200 ms.
    const auto writes_before = chip.led_writes().size();
    after(100ms);
    after(100ms);
    EXPECT_GE(chip.led_writes().size() - writes_before, 2u);
    // After a while the LED goes back to idle; with the microphone back, a press records.
    after(3000ms);
    EXPECT_EQ(led.pattern(), LedPattern::idle);
    mic.set_present(true);
    tap();
    EXPECT_EQ(state(), SessionState::recording);
    EXPECT_EQ(p().last_error(), "");
}

TEST_F(PressTest, AFullDiskBlinksTheErrorAndKeepsNoHalfStory) {
    settings.free_bytes = [] { return std::uint64_t{1} << 20; };
    p();
    tap();
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_NE(p().last_error().find("not enough space"), std::string::npos) << p().last_error();
    EXPECT_EQ(led.pattern(), LedPattern::error);
    EXPECT_TRUE(cat.list().empty());
}

TEST_F(PressTest, TheThreadFollowsTheButton) {
    ptr = std::make_unique<sb::gpio::PressToRecord>(s(), clock, *button, &led, prs);  // real time
    ptr->start();
    const auto real = [] { return std::chrono::steady_clock::now(); };
    chip.press(real());
    std::this_thread::sleep_for(60ms);
    chip.release(real());
    ASSERT_TRUE(wait_for([&] { return state() == SessionState::recording; }));
    feed_and_wait(2.5);
    std::this_thread::sleep_for(60ms);  // let go for longer than the debounce (shorter is a bounce)
    chip.press(real());
    std::this_thread::sleep_for(60ms);
    chip.release(real());
    ASSERT_TRUE(wait_for([&] { return state() == SessionState::saved; }))
        << "presses " << ptr->presses() << ", " << sb::to_string(state()) << ", elapsed " << s().snapshot().elapsed_ms;
    ptr->stop();
    EXPECT_EQ(ptr->presses(), 2);
}

TEST_F(PressTest, QuickStartRefusesBadInputAndChangesNothing) {
    // Through the session directly: the same checks as the screens.
    sb::QuickStart q;
    q.language = "fr";
    EXPECT_EQ(status_of([&] { s().quick_start(q); }), 422);
    q.language = "en";
    q.guest_name = " ";
    EXPECT_EQ(status_of([&] { s().quick_start(q); }), 422);
    q.guest_name = "Guest";
    q.questions = {""};
    EXPECT_EQ(status_of([&] { s().quick_start(q); }), 422);
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_TRUE(cat.list().empty());
    s().start("en");
    q.questions = {};
    EXPECT_EQ(status_of([&] { s().quick_start(q); }), 409);
    EXPECT_EQ(state(), SessionState::participants);
    EXPECT_EQ(status_of([&] { s().finish_quick("x"); }), 409);
}
