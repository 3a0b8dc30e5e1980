#pragma once
// Press-to-record: a big button starts a quick guestbook recording and stops it again; the LED
// says what the booth is doing.
//
//   press while idle (welcome, saved, deleted) ─► SessionManager::quick_start: one "Guest"
//       storyteller, consent private, recording at once, at most max_seconds (and the time limit)
//   press while that recording runs, after min_seconds of audio ─► finish_quick: saved with the
//       title "Guestbook — <date>" (or the story code while the clock is not trusted); no review
//   the limit reached (the session moves to review by itself) ─► saved the same way
//   press while a touchscreen session is under way ─► ignored (logged once per session)
//
// The button pulls its line low (pull-up, contact to ground). Debounce: a level counts once it
// has held for `debounce`, so contact bounce and short spikes are never a press.
// LED: idle ─ slow blink; recording (from the button or the screen) ─ solid; a touchscreen
// session before or after recording ─ off (the button does nothing then); no microphone, a full
// disk or a failed save ─ fast blink for `error_for`.
//
// on_edge() and poll() are what the thread calls (poll at least every 10 ms); tests call them
// directly with their own time. Nothing here calls the session from a SessionListener.
#include "gpio/gpio.hpp"
#include "gpio/led.hpp"
#include "session/session.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sb::gpio {

struct PressToRecordSettings {
    std::chrono::milliseconds debounce{30};
    int min_seconds = 3;    // a stop press before this much audio is ignored
    int max_seconds = 300;  // the recording stops and is saved here (the time limit caps it too)
    std::string language = "en";
    std::vector<std::string> questions;  // written into the story; none by default
    std::chrono::milliseconds error_for{5000};
};

class PressToRecord {
public:
    // `button` must be a line with the pull-up (pressed = low); `led` may be null.
    PressToRecord(SessionManager& session, const Clock& wall, InputLine& button, LedDriver* led,
                  PressToRecordSettings settings, NowFn now = nullptr);
    ~PressToRecord();  // stops the thread
    PressToRecord(const PressToRecord&) = delete;
    PressToRecord& operator=(const PressToRecord&) = delete;

    void on_edge(const Edge& e);
    void poll();  // debounce, presses, saving a recording that reached its limit, the LED

    void start();  // a thread: waits for the button's edges (10 ms at a time) and polls
    void stop();

    int presses() const { return presses_.load(); }  // debounced presses seen
    std::string last_error() const;                  // empty when the last press went well

private:
    void settle_locked(TimePoint now);
    void press_locked();
    void finish_locked();
    void fail_locked(const std::string& what);
    std::string title_locked(const SessionSnapshot& s) const;
    void led_locked(const SessionSnapshot& s);

    SessionManager& session_;
    const Clock& wall_;
    InputLine& button_;
    LedDriver* led_;
    PressToRecordSettings settings_;
    NowFn now_;

    mutable std::mutex mu_;
    bool raw_pressed_ = false;
    bool stable_pressed_ = false;
    TimePoint raw_since_{};
    std::string own_story_;       // the recording this button started
    bool ignored_said_ = false;   // "a touchscreen session is under way", once per session
    std::string last_error_;
    std::atomic<int> presses_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace sb::gpio
