// The real GPIO path through libgpiod. This machine has no GPIO chip (and neither gpio-sim nor
// gpio-mockup), so what can be checked is that it is built and linked and that a chip that does
// not exist is refused with a clear reason.
#include "gpio/gpio.hpp"

#include <gtest/gtest.h>

TEST(Libgpiod, OpeningAChipThatDoesNotExistSaysSoClearly) {
    try {
        sb::gpio::open_chip("storybooth-no-such-chip");
        FAIL() << "a chip that does not exist was opened";
    } catch (const sb::gpio::GpioError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("cannot open the GPIO chip 'storybooth-no-such-chip'"), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
}

TEST(Libgpiod, AMissingDevicePathIsRefused) {
    EXPECT_THROW(sb::gpio::open_chip("/dev/gpiochip-storybooth-none"), sb::gpio::GpioError);
}

TEST(Libgpiod, NoChipNamedIsRefused) {
    try {
        sb::gpio::open_chip("");
        FAIL();
    } catch (const sb::gpio::GpioError& e) {
        EXPECT_STREQ(e.what(), "no GPIO chip was named");
    }
}
