#pragma once
// The button's LED: a pattern, played by a thread on an output line.
//
//   idle   1 s on, 1 s off  — press the button to record (on a plain GPIO a "pulse" is a blink)
//   solid  on               — recording
//   error  5 Hz (100 ms on, 100 ms off) for a while, then back to the pattern underneath
//   off
//
// The time comes from a function, so tests move it by hand and call update() themselves (or
// run the thread and move the time).
#include "gpio/gpio.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace sb::gpio {

enum class LedPattern { off, idle, solid, error };
const char* to_string(LedPattern);

using NowFn = std::function<TimePoint()>;

class LedDriver {
public:
    static constexpr std::chrono::milliseconds kIdleHalf{1000};
    static constexpr std::chrono::milliseconds kErrorHalf{100};

    explicit LedDriver(OutputLine& line, NowFn now = nullptr);
    ~LedDriver();  // stops the thread and turns the LED off
    LedDriver(const LedDriver&) = delete;
    LedDriver& operator=(const LedDriver&) = delete;

    void set(LedPattern pattern);                 // the pattern underneath; a new one starts "on"
    void flash_error(std::chrono::milliseconds for_how_long);
    LedPattern pattern() const;                   // what shows now (error while flashing)
    // Writes the level due now to the line (only when it changes). A line that cannot be set is
    // logged once and tried again at the next change.
    void update();

    void start();  // a thread calling update() every 10 ms
    void stop();

private:
    bool level_locked(TimePoint now) const;
    LedPattern shown_locked(TimePoint now) const;

    OutputLine& line_;
    NowFn now_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    LedPattern base_ = LedPattern::off;
    TimePoint base_since_{};
    std::optional<TimePoint> error_since_, error_until_;
    std::optional<bool> written_;
    bool failed_said_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sb::gpio
