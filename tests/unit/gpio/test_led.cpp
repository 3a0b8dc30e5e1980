// The LED's patterns: idle slow blink, solid, a 5 Hz error blink for a while; only changes are
// written; the thread plays them on the time it is given.
#include "gpio/led.hpp"
#include "unit/gpio/fake_chip.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace sbtest;
using namespace std::chrono_literals;
using sb::gpio::LedDriver;
using sb::gpio::LedPattern;

namespace {

class LedTest : public ::testing::Test {
protected:
    FakeSteady t;
    FakeChip chip{{"GPIO27"}, t.fn()};
    std::unique_ptr<sb::gpio::OutputLine> line = chip.request_output("GPIO27", "test", false);
    LedDriver led{*line, t.fn()};

    // The LED's level at each of `steps` moments `every` apart, starting now.
    std::vector<bool> levels(int steps, std::chrono::milliseconds every) {
        std::vector<bool> out;
        for (int i = 0; i < steps; ++i) {
            led.update();
            out.push_back(chip.led());
            t.advance(every);
        }
        return out;
    }
};

}  // namespace

TEST_F(LedTest, IdleBlinksOneSecondOnOneSecondOff) {
    led.set(LedPattern::idle);
    EXPECT_EQ(levels(8, 500ms), (std::vector<bool>{true, true, false, false, true, true, false, false}));
    EXPECT_EQ(led.pattern(), LedPattern::idle);
}

TEST_F(LedTest, SolidStaysOnAndOffStaysOff) {
    led.set(LedPattern::solid);
    EXPECT_EQ(levels(5, 700ms), std::vector<bool>(5, true));
    led.set(LedPattern::off);
    EXPECT_EQ(levels(5, 700ms), std::vector<bool>(5, false));
}

TEST_F(LedTest, ErrorBlinksAtFiveHertzForAWhileThenTheStateShowsAgain) {
    led.set(LedPattern::solid);
    led.update();
    led.flash_error(1000ms);
    EXPECT_EQ(led.pattern(), LedPattern::error);
    // 100 ms on, 100 ms off, sampled every 50 ms: five full periods in the second.
    const auto seen = levels(20, 50ms);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], (i / 2) % 2 == 0) << "at " << i * 50 << " ms";
    EXPECT_EQ(led.pattern(), LedPattern::solid);
    led.update();
    EXPECT_TRUE(chip.led());
}

TEST_F(LedTest, OnlyChangesAreWrittenToTheLine) {
    const auto before = chip.led_writes().size();  // the line's initial level
    led.set(LedPattern::idle);
    levels(40, 100ms);  // 4 s: on, off, on, off
    EXPECT_EQ(chip.led_writes().size() - before, 4u);
}

TEST_F(LedTest, TheThreadPlaysThePatternOnTheGivenClock) {
    led.set(LedPattern::idle);
    led.start();
    const auto wait_level = [&](bool want) {
        for (int i = 0; i < 1000; ++i) {
            if (chip.led() == want && !chip.led_writes().empty()) return true;
            std::this_thread::sleep_for(2ms);
        }
        return false;
    };
    ASSERT_TRUE(wait_level(true));
    std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(chip.led());  // the fake time has not moved: still in the first second
    t.advance(1000ms);
    EXPECT_TRUE(wait_level(false));
    t.advance(1000ms);
    EXPECT_TRUE(wait_level(true));
    led.stop();
}
