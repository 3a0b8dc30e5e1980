#include "common/error.hpp"
#include "common/fs.hpp"
#include "config/settings.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>

TEST(Config, DefaultFileListsEverySettingAndReadsBackAsTheDefaults) {
    sbtest::TempDir t;
    const std::string text = sb::default_config_text();
    for (const auto& k : sb::setting_keys()) EXPECT_NE(text.find(std::string("\n") + k.key + " = "), std::string::npos) << k.key;
    sb::write_file_atomic(t / "storybooth.conf", text);
    sb::Settings s;
    s.booth_name = "changed";
    sb::load_config_file(s, t / "storybooth.conf");
    const sb::Settings d;
    for (const auto& k : sb::setting_keys()) EXPECT_EQ(sb::setting_value(s, k.key), sb::setting_value(d, k.key)) << k.key;
}

TEST(Config, ValuesCommentsAndSpacesAreRead) {
    sbtest::TempDir t;
    sb::write_file_atomic(t / "c.conf",
                          "# a comment\n\n  booth-name =  Biblioteca Central — sala 2   # trailing comment\n"
                          "time-limit-minutes=30\nwarning-minutes = 1, 5\nmaster = off\nlanguages = es\n");
    sb::Settings s;
    sb::load_config_file(s, t / "c.conf");
    EXPECT_EQ(s.booth_name, "Biblioteca Central — sala 2");
    EXPECT_EQ(s.time_limit_minutes, 30);
    EXPECT_EQ(s.warning_minutes, (std::vector<double>{5, 1}));
    EXPECT_FALSE(s.master);
    EXPECT_EQ(s.languages, std::vector<std::string>{"es"});
}

TEST(Config, UnknownKeyNamesTheFileAndLine) {
    sbtest::TempDir t;
    sb::write_file_atomic(t / "c.conf", "bitrate = 64000\ncolour = blue\n");
    sb::Settings s;
    try {
        sb::load_config_file(s, t / "c.conf");
        FAIL();
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("c.conf line 2: unknown setting 'colour'"), std::string::npos) << e.what();
    }
}

TEST(Config, BadValuesAreRefusedWithTheRule) {
    sb::Settings s;
    const std::pair<const char*, const char*> bad[] = {
        {"time-limit-minutes", "61"}, {"time-limit-minutes", "forty"}, {"booth-code", "main"}, {"booth-code", "M"},
        {"languages", "fr"},          {"listen", "8080"},               {"bitrate", "999999"}, {"master", "maybe"},
        {"channels", "3"},            {"idle-timeout-seconds", "5"},
    };
    for (const auto& [k, v] : bad) EXPECT_THROW(sb::apply_setting(s, k, v), sb::Error) << k << "=" << v;
    EXPECT_EQ(sb::setting_value(s, "booth-code"), "MAIN");  // nothing changed
}

TEST(Config, ShortTimeLimitsForTryingOutAreAllowed) {
    sb::Settings s;
    sb::apply_setting(s, "time-limit-minutes", "0.1");
    EXPECT_DOUBLE_EQ(s.time_limit_minutes, 0.1);
    EXPECT_EQ(sb::setting_value(s, "time-limit-minutes"), "0.1");
}

TEST(Config, MissingFileIsAClearError) {
    sb::Settings s;
    try {
        sb::load_config_file(s, "/nonexistent/storybooth.conf");
        FAIL();
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot read config file /nonexistent/storybooth.conf"), std::string::npos);
    }
}

TEST(Config, TheShippedConfigFileIsTheGeneratedDefaults) {
    // firmware/config/storybooth.conf is what a deployment starts from; it must list every
    // setting with its real default. Regenerate with: storybooth run --print-config
    const auto shipped = sb::read_file(std::filesystem::path(SB_SOURCE_DIR) / "firmware" / "config" / "storybooth.conf");
    EXPECT_EQ(shipped, sb::default_config_text());
}
