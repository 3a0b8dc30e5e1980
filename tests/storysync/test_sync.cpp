// storysync against the real booth daemon on loopback: pairing, pulls, new and withdrawn stories,
// several booths in one library, and the USB export.
#include "storysync_test.hpp"

#include <sys/stat.h>

using namespace sbtest;
using nlohmann::json;

namespace {

std::set<std::string> ids_in(const json& list) {
    std::set<std::string> out;
    for (const auto& s : list) out.insert(s["story"]["id"].get<std::string>());
    return out;
}

}  // namespace

TEST(StorysyncPull, PairsPullsEverythingVerifiedAndAPullAgainTransfersNothing) {
    TempDir t;
    Booth booth(t / "booth", 2);
    Laptop laptop;
    laptop.pair(booth);

    // The token file is private from its creation.
    struct stat st{};
    ASSERT_EQ(::stat((laptop.config_dir() / "tokens.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(sbtest::slurp_file(laptop.config_dir() / "tokens.json").find("Bearer"), std::string::npos);

    auto r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 new, 0 updated, 0 removed"), std::string::npos) << r.out;

    const auto booths = laptop.booths_json();
    ASSERT_EQ(booths.size(), 1u);
    const std::string booth_id = booths[0]["id"];
    EXPECT_EQ(booths[0]["stories"], 2);
    EXPECT_FALSE(booths[0]["last_sync_at"].get<std::string>().empty());
    EXPECT_GT(booths[0]["last_seq"].get<std::int64_t>(), 0);

    const auto offered = booth.offered();
    EXPECT_EQ(laptop.story_files().size(), 4u);
    expect_library_holds_only_whole_files(laptop, booth_id, offered);
    const auto list = laptop.list_json();
    EXPECT_EQ(ids_in(list), std::set<std::string>(booth.ids.begin(), booth.ids.end()));
    for (const auto& s : list) EXPECT_EQ(s["files"].size(), 2u);

    // The booth heard the acknowledgement.
    const auto laptops = Admin(booth.daemon->port()).laptops();
    ASSERT_EQ(laptops.size(), 1u) << laptops.dump();
    EXPECT_EQ(laptops[0]["host_name"], "test-laptop");
    EXPECT_EQ(laptops[0]["last_seq"], booths[0]["last_seq"]);

    // Nothing new: no transfer.
    r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("nothing new"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0 new, 0 updated, 0 removed; 0 B"), std::string::npos) << r.out;

    r = laptop.sync("verify");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("All 4 files of 2 stories are intact"), std::string::npos) << r.out;
}

TEST(StorysyncPull, ANewStoryAppearsAndAWithdrawnOneDisappears) {
    TempDir t;
    Booth booth(t / "booth", 2);
    Laptop laptop;
    laptop.pair(booth);
    ASSERT_EQ(laptop.sync("pull").exit_code, 0);
    const std::string booth_id = laptop.booths_json()[0]["id"];

    // A new story recorded on the booth while it runs, and one withdrawn by the librarian.
    const std::string fresh = record_story(booth.data, "The harvest festival");
    ASSERT_EQ(Admin(booth.daemon->port()).withdraw(booth.ids[0]), 200);

    auto r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("1 new, 0 updated, 1 removed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("The harvest festival"), std::string::npos) << r.out;

    const auto ids = ids_in(laptop.list_json());
    EXPECT_EQ(ids, (std::set<std::string>{booth.ids[1], fresh}));
    EXPECT_FALSE(fs::exists(laptop.library() / "stories" / booth_id / booth.ids[0]));
    EXPECT_EQ(laptop.story_files().size(), 4u);
    expect_library_holds_only_whole_files(laptop, booth_id, booth.offered());

    // Search finds the new story by a word of its title, in any case.
    r = laptop.sync("search HARVEST --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ids_in(json::parse(r.out)), std::set<std::string>{fresh});
    r = laptop.sync("search nosuchword");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("No stories"), std::string::npos);
}

TEST(StorysyncPull, ASecondBoothJoinsTheSameLibraryWithoutCollisions) {
    TempDir t;
    Booth first(t / "first", 1);
    Booth second(t / "second", 2);
    Laptop laptop;
    laptop.pair(first);
    ASSERT_EQ(laptop.sync("pull").exit_code, 0);
    laptop.pair(second);
    auto r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 new"), std::string::npos) << r.out;   // the second booth
    EXPECT_NE(r.out.find("nothing new"), std::string::npos) << r.out;  // the first

    const auto booths = laptop.booths_json();
    ASSERT_EQ(booths.size(), 2u);
    EXPECT_NE(booths[0]["id"], booths[1]["id"]);
    const auto list = laptop.list_json();
    EXPECT_EQ(list.size(), 3u);
    // Both booths call their first story MAIN-0001: both are kept, under their own booth.
    r = laptop.sync("show MAIN-0001 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto both = json::parse(r.out);
    ASSERT_TRUE(both.is_array());
    ASSERT_EQ(both.size(), 2u);
    EXPECT_NE(both[0]["booth"]["id"], both[1]["booth"]["id"]);
    auto offered = first.offered();
    offered.merge(second.offered());
    expect_library_holds_only_whole_files(laptop, "", offered);
    EXPECT_EQ(laptop.story_files().size(), 6u);

    // Names work for one booth when they are unambiguous: both are called "Story booth" here.
    r = laptop.sync("pull " + q("Story booth"));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("several booths match"), std::string::npos) << r.err;
    r = laptop.sync("pull " + booths[1]["id"].get<std::string>().substr(0, 8));
    EXPECT_EQ(r.exit_code, 0) << r.err;

    r = laptop.sync("list --booth " + booths[0]["id"].get<std::string>());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = laptop.sync("verify");
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(StorysyncExport, AUsbExportRoundTripsAndThePairedBoothThenHasNothingNew) {
    TempDir t;
    Booth booth(t / "booth", 2);
    booth.stop();
    fs::create_directories(t / "usb");
    auto r = run(q(storybooth()) + " export --data " + q(booth.data.string()) + " --to " + q((t / "usb").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

    Laptop laptop;
    r = laptop.sync("pull " + q((t / "usb").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 new"), std::string::npos) << r.out;
    auto booths = laptop.booths_json();
    ASSERT_EQ(booths.size(), 1u);
    EXPECT_FALSE(booths[0]["paired"].get<bool>());
    const std::string booth_id = booths[0]["id"];
    expect_library_holds_only_whole_files(laptop, booth_id, booth.offered());
    EXPECT_EQ(laptop.story_files().size(), 4u);

    // Again from the same drive: nothing to do.
    r = laptop.sync("pull " + q((t / "usb" / "storybooth-export" / booth_id).string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("nothing new"), std::string::npos) << r.out;

    // The same booth over the network later: same id, same stories, nothing transferred.
    booth.start();
    laptop.pair(booth);
    r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("0 B"), std::string::npos) << r.out;
    EXPECT_EQ(laptop.booths_json().size(), 1u);
    EXPECT_EQ(laptop.list_json().size(), 2u);
}
