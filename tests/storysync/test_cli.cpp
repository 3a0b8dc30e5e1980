// The storysync command line: help everywhere, one clear line for bad input, the config file,
// and verify catching a damaged or missing file.
#include "storysync_test.hpp"

#include <fstream>

using namespace sbtest;

TEST(StorysyncCli, EveryCommandHasHelp) {
    Laptop laptop;
    for (const char* cmd : {"", "pair", "booths", "unpair", "pull", "list", "show", "search", "verify"}) {
        auto r = laptop.sync(std::string(cmd) + " --help");
        EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
        EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd;
    }
}

TEST(StorysyncCli, BadInputExitsNonZeroWithOneClearLine) {
    Laptop laptop;
    struct Case {
        const char* args;
        const char* says;
    };
    const Case cases[] = {
        {"", "choose a command"},
        {"frobnicate", "frobnicate"},
        {"pair", "URL is required"},
        {"pair ftp://booth/x ABCD-EFGH", "not a booth address"},
        {"pair http://127.0.0.1:1 ABCD-EFGH --timeout 2", "cannot reach the booth"},
        {"pull", "no booth is paired"},
        {"pull no-such-booth", "no booth called 'no-such-booth'"},
        {"pull /no/such/folder", "no folder at /no/such/folder"},
        {"unpair nobody", "no booth called 'nobody'"},
        {"list --share public", "--share"},
        {"show MAIN-9999", "no story 'MAIN-9999'"},
        {"search", "TEXT is required"},
        {"--timeout 0 list", "--timeout"},
    };
    for (const auto& c : cases) {
        auto r = laptop.sync(c.args);
        EXPECT_NE(r.exit_code, 0) << c.args;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << ": " << r.err;
    }
    // A folder that holds no export.
    TempDir empty;
    auto r = laptop.sync("pull " + q(empty.path().string()));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("holds no booth export"), std::string::npos) << r.err;
}

TEST(StorysyncCli, TheConfigFileHasEveryKeyAndIsReadFromTheUserConfigFolder) {
    Laptop laptop;
    auto r = laptop.sync("--print-config");
    ASSERT_EQ(r.exit_code, 0);
    for (const char* key : {"# library =", "# timeout =", "# rate-limit ="}) EXPECT_NE(r.out.find(key), std::string::npos) << key;

    // The printed file, uncommented, is accepted; its library setting is used.
    fs::create_directories(laptop.config_dir());
    const fs::path elsewhere = laptop.home / "elsewhere";
    std::ofstream(laptop.config_dir() / "storysync.conf") << r.out << "library = " << elsewhere.string() << "\ntimeout = 5\n";
    r = laptop.sync("list");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(elsewhere / "library.db"));
    EXPECT_FALSE(fs::exists(laptop.library() / "library.db"));
    // A flag wins over the file.
    r = laptop.sync("list --library " + q((laptop.home / "third").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(laptop.home / "third" / "library.db"));

    // --config FILE, and an unknown key refused.
    std::ofstream(laptop.home / "bad.conf") << "libary = /tmp/typo\n";
    r = laptop.sync("--config " + q((laptop.home / "bad.conf").string()) + " list");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("libary"), std::string::npos) << r.err;
}

TEST(StorysyncCli, VerifyReportsADamagedAndAMissingFileAndExitsNonZero) {
    TempDir t;
    Booth booth(t / "booth", 2);
    Laptop laptop;
    laptop.pair(booth);
    ASSERT_EQ(laptop.sync("pull").exit_code, 0);
    ASSERT_EQ(laptop.sync("verify").exit_code, 0);
    const auto files = laptop.story_files();
    ASSERT_EQ(files.size(), 4u);
    auto it = files.begin();
    const fs::path damaged = laptop.library() / "stories" / *it++;
    const fs::path missing = laptop.library() / "stories" / *it;
    {
        std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(1000);
        f.put('\x5a');
    }
    fs::remove(missing);
    auto r = laptop.sync("verify");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("DAMAGED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(damaged.string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("MISSING"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(missing.string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2 of 4 files"), std::string::npos) << r.out;
}

TEST(StorysyncCli, UnpairForgetsTheTokenButKeepsTheStories) {
    TempDir t;
    Booth booth(t / "booth", 1);
    Laptop laptop;
    laptop.pair(booth);
    ASSERT_EQ(laptop.sync("pull").exit_code, 0);
    auto r = laptop.sync("unpair MAIN");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp_file(laptop.config_dir() / "tokens.json").find(laptop.booths_json()[0]["id"].get<std::string>()),
              std::string::npos);
    EXPECT_FALSE(laptop.booths_json()[0]["paired"].get<bool>());
    EXPECT_EQ(laptop.list_json().size(), 1u);
    r = laptop.sync("pull");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("no booth is paired"), std::string::npos) << r.err;
    r = laptop.sync("show MAIN-0001");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Story 1"), std::string::npos) << r.out;
}
