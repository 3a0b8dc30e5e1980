// storybooth selftest: what an installer runs to see whether the booth can work.
#include "e2e/e2e.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace sbtest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json selftest_json(const std::string& args, int* exit_code) {
    auto r = run(q(storybooth()) + " selftest --json " + args);
    *exit_code = r.exit_code;
    return json::parse(r.out);
}

json check_named(const json& report, const std::string& name) {
    for (const auto& c : report["checks"])
        if (c["name"] == name) return c;
    return json();
}

}  // namespace

TEST(Selftest, PassesOnAWorkingBooth) {
    TempDir tmp;
    fs::create_directories(tmp / "data");
    int rc = -1;
    const json j = selftest_json("--data " + q((tmp / "data").string()), &rc);
    EXPECT_EQ(rc, 0) << j.dump(2);
    EXPECT_TRUE(j["ok"].get<bool>());
    for (const char* name : {"data", "catalog", "opus", "flac", "ui"})
        EXPECT_EQ(check_named(j, name)["result"], "ok") << name << ": " << j.dump(2);
    // No microphone where the tests run is a warning, not a failure.
    EXPECT_NE(check_named(j, "audio")["result"], "failed") << j.dump(2);
    EXPECT_NE(check_named(j, "opus")["detail"].get<std::string>().find("1 kHz"), std::string::npos);
    // Nothing is left behind in the data folder.
    EXPECT_TRUE(fs::is_empty(tmp / "data"));

    // Plain text: one line per check, and a verdict.
    auto r = run(q(storybooth()) + " selftest --data " + q((tmp / "data").string()));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("ok\tflac: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("The booth is ready."), std::string::npos) << r.out;
}

TEST(Selftest, ChecksAnExistingCatalogWithoutChangingIt) {
    TempDir tmp;
    // `storybooth info` makes the catalog as a first start would.
    ASSERT_EQ(run(q(storybooth()) + " info --data " + q((tmp / "data").string())).exit_code, 0);
    const auto before = fs::last_write_time(tmp / "data" / "catalog.db");
    int rc = -1;
    const json j = selftest_json("--data " + q((tmp / "data").string()), &rc);
    EXPECT_EQ(rc, 0) << j.dump(2);
    EXPECT_NE(check_named(j, "catalog")["detail"].get<std::string>().find("is sound (0 stories)"), std::string::npos) << j.dump(2);
    EXPECT_EQ(fs::last_write_time(tmp / "data" / "catalog.db"), before);
}

TEST(Selftest, ReportsADamagedCatalog) {
    TempDir tmp;
    fs::create_directories(tmp / "data");
    std::ofstream(tmp / "data" / "catalog.db") << std::string(8192, 'x');
    int rc = -1;
    const json j = selftest_json("--data " + q((tmp / "data").string()), &rc);
    EXPECT_EQ(rc, 1);
    const json c = check_named(j, "catalog");
    EXPECT_EQ(c["result"], "failed") << j.dump(2);
    EXPECT_NE(c["detail"].get<std::string>().find("catalog.db"), std::string::npos) << c.dump();
}

TEST(Selftest, ReportsAMissingUiFolder) {
    TempDir tmp;
    fs::create_directories(tmp / "data");
    auto r = run(q(storybooth()) + " selftest --ui /nonexistent --data " + q((tmp / "data").string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("failed\tui: the pages folder /nonexistent does not exist"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 problem(s) found"), std::string::npos) << r.out;

    // A folder without the pages names the files that are missing.
    fs::create_directories(tmp / "ui" / "booth");
    std::ofstream(tmp / "ui" / "booth" / "index.html") << "<!doctype html>";
    int rc = -1;
    const json j = selftest_json("--ui " + q((tmp / "ui").string()) + " --data " + q((tmp / "data").string()), &rc);
    EXPECT_EQ(rc, 1);
    const std::string detail = check_named(j, "ui")["detail"];
    EXPECT_NE(detail.find("lacks admin/index.html, common/api.js, i18n/en.json"), std::string::npos) << detail;
}

TEST(Selftest, ReportsAnUnwritableDataFolder) {
    TempDir tmp;
    fs::path dir;
    if (::geteuid() != 0) {
        dir = tmp / "readonly";
        fs::create_directories(dir);
        ::chmod(dir.c_str(), 0555);
    } else if (fs::is_directory("/sys/kernel")) {
        dir = "/sys/kernel";  // root may write almost anywhere, but sysfs refuses new files even to root
    } else {
        GTEST_SKIP() << "running as root without /sys: no folder root cannot write to";
    }
    auto r = run(q(storybooth()) + " selftest --data " + q(dir.string()));
    if (::geteuid() != 0) ::chmod(dir.c_str(), 0755);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("failed\tdata: the data folder " + dir.string() + " is not writable"), std::string::npos) << r.out;

    r = run(q(storybooth()) + " selftest --data " + q((tmp / "missing").string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("failed\tdata: the data folder " + (tmp / "missing").string() + " does not exist"), std::string::npos) << r.out;
}

TEST(Selftest, RefusesABadCommandLine) {
    auto r = run(q(storybooth()) + " selftest --nonsense");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("nonsense"), std::string::npos) << r.err;
}
