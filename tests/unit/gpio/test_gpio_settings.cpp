// The button's settings: defaults (no button), values, and bad values refused with a reason.
#include "config/settings.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>

namespace {

std::string refusal(const std::string& key, const std::string& value) {
    sb::Settings s;
    try {
        sb::apply_setting(s, key, value);
    } catch (const sb::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(GpioSettings, TheButtonIsOffByDefaultWithTheWiringGuidesLines) {
    const sb::Settings d;
    EXPECT_EQ(d.gpio_chip, "");
    EXPECT_EQ(d.gpio_button, "GPIO17");
    EXPECT_EQ(d.gpio_led, "GPIO27");
    EXPECT_EQ(d.gpio_min_seconds, 3);
    EXPECT_EQ(d.gpio_max_seconds, 300);
    const std::string text = sb::default_config_text();
    for (const char* line : {"gpio-chip = \n", "gpio-button = GPIO17\n", "gpio-led = GPIO27\n", "gpio-min-seconds = 3\n",
                             "gpio-max-seconds = 300\n"})
        EXPECT_NE(text.find(line), std::string::npos) << line;
}

TEST(GpioSettings, ValuesAreReadAndWrittenBack) {
    sb::Settings s;
    sb::apply_setting(s, "gpio-chip", " gpiochip0 ");
    sb::apply_setting(s, "gpio-button", "BUTTON");
    sb::apply_setting(s, "gpio-led", "");
    sb::apply_setting(s, "gpio-min-seconds", "5");
    sb::apply_setting(s, "gpio-max-seconds", "600");
    EXPECT_EQ(sb::setting_value(s, "gpio-chip"), "gpiochip0");
    EXPECT_EQ(sb::setting_value(s, "gpio-button"), "BUTTON");
    EXPECT_EQ(sb::setting_value(s, "gpio-led"), "");
    EXPECT_EQ(sb::setting_value(s, "gpio-min-seconds"), "5");
    EXPECT_EQ(sb::setting_value(s, "gpio-max-seconds"), "600");
}

TEST(GpioSettings, BadValuesAreRefusedWithAReason) {
    EXPECT_EQ(refusal("gpio-button", ""), "gpio-button must name the button's GPIO line, e.g. GPIO17");
    EXPECT_EQ(refusal("gpio-min-seconds", "0"), "gpio-min-seconds must be a whole number from 1 to 60 (got '0')");
    EXPECT_EQ(refusal("gpio-min-seconds", "three"), "gpio-min-seconds must be a whole number from 1 to 60 (got 'three')");
    EXPECT_EQ(refusal("gpio-max-seconds", "5"), "gpio-max-seconds must be a whole number from 10 to 3600 (got '5')");
    EXPECT_EQ(refusal("gpio-max-seconds", "7200"), "gpio-max-seconds must be a whole number from 10 to 3600 (got '7200')");
}

TEST(GpioSettings, TheInstalledConfigsCommentedButtonLinesAreRealSettings) {
    // hardware/os/storybooth.conf ships the button off; uncommenting its gpio lines turns it on.
    std::string text = sb::read_file(std::filesystem::path(SB_SOURCE_DIR) / "hardware/os/storybooth.conf");
    int uncommented = 0;
    for (std::size_t at = 0; (at = text.find("\n# gpio-", at)) != std::string::npos; ++uncommented) text.erase(at + 1, 2);
    EXPECT_EQ(uncommented, 5);
    sbtest::TempDir dir;
    sb::write_file_atomic(dir / "booth.conf", text);
    sb::Settings s;
    sb::load_config_file(s, dir / "booth.conf");
    EXPECT_EQ(s.gpio_chip, "gpiochip0");
    EXPECT_EQ(s.gpio_button, "GPIO17");
    EXPECT_EQ(s.gpio_led, "GPIO27");
    EXPECT_EQ(s.gpio_min_seconds, 3);
    EXPECT_EQ(s.gpio_max_seconds, 300);
}
