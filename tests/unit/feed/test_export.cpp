// The USB export: its layout, updating it, its failures, and reading it back.
#include "feed_test_util.hpp"

#include <gmock/gmock.h>

#include <csignal>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sb;
using namespace sb::test;
using feed::json;
using ::testing::HasSubstr;

namespace {

class Export : public FeedTest {
protected:
    void SetUp() override {
        FeedTest::SetUp();
        fs::create_directories(drive());
    }
    fs::path drive() const { return dir_ / "drive"; }
    fs::path folder() { return drive() / "storybooth-export" / booth().id; }
    feed::ExportResult run_export() { return feed::export_to(cat(), data(), drive(), booth(), clock_); }
    SystemClock clock_;
};

std::vector<std::string> files_under(const fs::path& dir) {
    std::vector<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
    std::sort(out.begin(), out.end());
    return out;
}

// Runs `fn` in a child process (as an unprivileged user when this one is root, so folder
// permissions bind) and returns its exit status.
template <typename Fn>
int in_child(Fn fn, bool drop_privileges) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (drop_privileges && ::geteuid() == 0) {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(90);
        }
        int code = 0;
        try {
            code = fn();
        } catch (...) {
            code = 91;
        }
        ::_exit(code);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_F(Export, WritesTheLayoutOfTheProtocol) {
    const Story a = finished_story("A", 3000, 7000), b = finished_story("B", 500, 0);
    const Story w = finished_story("Withdrawn before", 100, 0);
    cat().withdraw(w.id);
    const feed::ExportResult r = run_export();
    EXPECT_EQ(r.folder, folder());
    EXPECT_EQ(r.stories, 2);
    EXPECT_EQ(r.tombstones, 1);
    EXPECT_EQ(r.files_copied, 3);
    EXPECT_EQ(r.bytes_copied, 10500u);
    EXPECT_EQ(r.latest_seq, cat().latest_seq());
    std::vector<std::string> expect = {"booth.json", "changes.json", "files/" + a.id + "/master.flac",
                                       "files/" + a.id + "/story.opus", "files/" + b.id + "/story.opus"};
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(files_under(folder()), expect);

    const json booth_json = json::parse(read_file(folder() / "booth.json"));
    EXPECT_EQ(booth_json["format"], 1);
    EXPECT_EQ(booth_json["booth"], feed::booth_to_json(booth()));
    EXPECT_EQ(booth_json["latest_seq"], cat().latest_seq());
    EXPECT_FALSE(booth_json["exported_at"].get<std::string>().empty());
    // changes.json is exactly a changes answer from 0 with every row.
    const json changes = json::parse(read_file(folder() / "changes.json"));
    EXPECT_EQ(changes, feed::changes_to_json(feed::changes_page(cat(), booth(), 0, 1000)));
    EXPECT_EQ(changes["more"], false);
    // The copies are the booth's bytes.
    for (const Story* s : {&a, &b})
        for (const StoryFile& f : s->files)
            EXPECT_EQ(sha256_file(folder() / "files" / s->id / feed::file_name(f)), f.sha256);
}

TEST_F(Export, ASecondExportCopiesNothingNewAndAWithdrawnStoryGoes) {
    const Story a = finished_story("A"), b = finished_story("B");
    run_export();
    const auto mtime = fs::last_write_time(folder() / "files" / a.id / "story.opus");

    feed::ExportResult again = run_export();
    EXPECT_EQ(again.files_copied, 0);
    EXPECT_EQ(again.bytes_copied, 0u);
    EXPECT_EQ(again.files_kept, 4);
    EXPECT_EQ(again.files_removed, 0);
    EXPECT_EQ(fs::last_write_time(folder() / "files" / a.id / "story.opus"), mtime);

    cat().withdraw(b.id);
    const Story c = finished_story("C", 200, 0);
    const feed::ExportResult third = run_export();
    EXPECT_EQ(third.files_copied, 1);
    EXPECT_EQ(third.files_removed, 2);
    EXPECT_FALSE(fs::exists(folder() / "files" / b.id));
    EXPECT_TRUE(fs::exists(folder() / "files" / c.id / "story.opus"));
    const feed::ExportFolder x = feed::read_export(folder());
    std::vector<std::string> upserts, tombstones;
    for (const auto& e : x.changes.changes) (e.tombstone ? tombstones : upserts).push_back(e.story_id);
    EXPECT_THAT(upserts, ::testing::UnorderedElementsAre(a.id, c.id));
    EXPECT_THAT(tombstones, ::testing::ElementsAre(b.id));
}

TEST_F(Export, AChangedOrDamagedCopyIsReplaced) {
    const Story a = finished_story("A", 4000, 0);
    run_export();
    const fs::path copy = folder() / "files" / a.id / "story.opus";
    std::string bytes = read_file(copy);
    bytes[100] = static_cast<char>(bytes[100] ^ 1);  // same size, different bytes
    write_file_atomic(copy, bytes);
    write_file_atomic(folder() / "files" / a.id / "story.opus.part", "left over from an interrupted export");
    write_file_atomic(folder() / "files" / a.id / "notes.txt", "not ours");
    const feed::ExportResult r = run_export();
    EXPECT_EQ(r.files_copied, 1);
    EXPECT_EQ(sha256_file(copy), a.files[0].sha256);
    EXPECT_EQ(files_under(folder() / "files"), std::vector<std::string>{a.id + "/story.opus"});
}

TEST_F(Export, RefusesAMissingFolderOrAFile) {
    finished_story("A");
    auto reason_of = [&](const fs::path& to) -> std::pair<feed::ExportError::Reason, std::string> {
        try {
            feed::export_to(cat(), data(), to, booth(), clock_);
        } catch (const feed::ExportError& e) {
            return {e.reason(), e.what()};
        }
        return {feed::ExportError::Reason::failed, "no error"};
    };
    auto [r1, m1] = reason_of(dir_ / "no-such-drive");
    EXPECT_EQ(r1, feed::ExportError::Reason::bad_target);
    EXPECT_THAT(m1, HasSubstr("There is no folder"));
    EXPECT_FALSE(fs::exists(dir_ / "no-such-drive"));
    write_file_atomic(dir_ / "a-file", "x");
    auto [r2, m2] = reason_of(dir_ / "a-file");
    EXPECT_EQ(r2, feed::ExportError::Reason::bad_target);
    EXPECT_THAT(m2, HasSubstr("is not a folder"));
    auto [r3, m3] = reason_of("");
    EXPECT_EQ(r3, feed::ExportError::Reason::bad_target);
}

TEST_F(Export, RefusesAFolderItCannotWriteTo) {
    finished_story("A");
    const fs::path locked = dir_ / "locked";
    fs::create_directories(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    // The child cannot use the parent's SQLite connection safely, but the target is checked
    // before the catalog is touched.
    const int code = in_child(
        [&] {
            try {
                feed::export_to(cat(), data(), locked, booth(), clock_);
            } catch (const feed::ExportError& e) {
                if (e.reason() != feed::ExportError::Reason::bad_target) return 2;
                return std::string(e.what()).find("cannot be written to") != std::string::npos ? 0 : 3;
            }
            return 1;
        },
        true);
    EXPECT_EQ(code, 0);
    EXPECT_TRUE(fs::is_empty(locked));
}

TEST_F(Export, AFileSizeLimitFailsCleanlyAndLeavesNoClaimOfCompleteness) {
    const Story a = finished_story("A", 2000, 0);
    run_export();
    ASSERT_TRUE(fs::exists(folder() / "changes.json"));
    const Story big = finished_story("Big", 300'000, 0);
    catalog_.reset();  // the child opens its own connection
    const int code = in_child(
        [&] {
            Catalog c = Catalog::open(data() / "catalog.db");
            ::signal(SIGXFSZ, SIG_IGN);
            rlimit lim{100'000, 100'000};
            ::setrlimit(RLIMIT_FSIZE, &lim);
            try {
                feed::export_to(c, data(), drive(), feed::booth_info(c, "9.9.9"), clock_);
            } catch (const feed::ExportError& e) {
                return e.reason() == feed::ExportError::Reason::full ? 0 : 2;
            }
            return 1;
        },
        false);
    catalog_ = std::make_unique<Catalog>(Catalog::open(data() / "catalog.db"));
    EXPECT_EQ(code, 0);
    EXPECT_FALSE(fs::exists(folder() / "changes.json"));
    EXPECT_FALSE(fs::exists(folder() / "files" / big.id / "story.opus"));
    EXPECT_FALSE(fs::exists(folder() / "files" / big.id / "story.opus.part"));
    EXPECT_TRUE(fs::exists(folder() / "files" / a.id / "story.opus"));
    EXPECT_THROW(feed::read_export(folder()), Error);  // "unfinished": a laptop will not take it as whole
}

TEST_F(Export, ReadingBackFindsTheSameEntriesAndFiles) {
    const Story a = finished_story("A");
    run_export();
    const feed::ExportFolder x = feed::read_export(folder());
    EXPECT_EQ(x.booth.id, booth().id);
    EXPECT_EQ(x.latest_seq, cat().latest_seq());
    EXPECT_EQ(feed::changes_to_json(x.changes), feed::changes_to_json(feed::all_changes(cat(), booth())));
    EXPECT_EQ(x.file(a.id, "master.flac"), folder() / "files" / a.id / "master.flac");
    EXPECT_EQ(sha256_file(x.file(a.id, "story.opus")), a.files[0].sha256);
    EXPECT_THROW(x.file(a.id, "../booth.json"), Error);
    EXPECT_THROW(x.file("..", "story.opus"), Error);
    // A trailing slash names the same folder.
    EXPECT_EQ(feed::read_export(folder().string() + "/").booth.id, booth().id);

    // Given the drive, the export folder, or the booth folder: the same one booth.
    EXPECT_EQ(feed::find_exports(drive()), std::vector<fs::path>{folder()});
    EXPECT_EQ(feed::find_exports(drive() / "storybooth-export"), std::vector<fs::path>{folder()});
    EXPECT_EQ(feed::find_exports(folder()), std::vector<fs::path>{folder()});
    EXPECT_TRUE(feed::find_exports(dir_).empty());
    EXPECT_THROW(feed::find_exports(dir_ / "nope"), Error);
}

TEST_F(Export, ReadingAnUnfinishedOrDamagedExportSaysWhy) {
    finished_story("A");
    run_export();
    auto error_of = [](const fs::path& p) {
        try {
            feed::read_export(p);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_THAT(error_of(drive()), HasSubstr("no booth.json"));
    const std::string changes = read_file(folder() / "changes.json");
    fs::remove(folder() / "changes.json");
    EXPECT_THAT(error_of(folder()), HasSubstr("unfinished"));
    write_file_atomic(folder() / "changes.json", "{not json");
    EXPECT_THAT(error_of(folder()), HasSubstr("not valid JSON"));
    json bad = json::parse(changes);
    bad["changes"][0]["story"]["files"][0]["sha256"] = "zz";
    write_file_atomic(folder() / "changes.json", bad.dump());
    EXPECT_THAT(error_of(folder()), HasSubstr("changes[0].story.files[0].sha256"));
    write_file_atomic(folder() / "changes.json", changes);
    json booth_json = json::parse(read_file(folder() / "booth.json"));
    booth_json["format"] = 2;
    write_file_atomic(folder() / "booth.json", booth_json.dump());
    EXPECT_THAT(error_of(folder()), HasSubstr("format 2"));
    booth_json["format"] = 1;
    write_file_atomic(folder() / "booth.json", booth_json.dump());
    // Renamed to another booth's id: refused.
    const fs::path other = drive() / "storybooth-export" / new_uuid();
    fs::rename(folder(), other);
    EXPECT_THAT(error_of(other), HasSubstr("not named for the booth"));
}

TEST(ExportTargets, ListsWritableMountsOneOrTwoLevelsUnderTheRoots) {
    const fs::path t = fs::temp_directory_path() / ("sb-targets-" + new_uuid());
    for (const char* d : {"media/usb0", "media/maria/KINGSTON", "media/maria/My Drive", "media/a/b/c", "media/ro", "mnt/stick",
                          "elsewhere/usb"})
        fs::create_directories(t / d);
    const std::string mounts =
        "/dev/root / ext4 rw,relatime 0 0\n"
        "/dev/sda1 " + (t / "media/usb0").string() + " vfat rw,nosuid 0 0\n"
        "/dev/sdb1 " + (t / "media/maria/KINGSTON").string() + " exfat rw 0 0\n"
        "/dev/sdc1 " + (t / "media/maria").string() + "/My\\040Drive vfat rw 0 0\n"
        "/dev/sdd1 " + (t / "media/a/b/c").string() + " vfat rw 0 0\n"
        "/dev/sde1 " + (t / "media/ro").string() + " vfat ro,nosuid 0 0\n"
        "/dev/sdf1 " + (t / "mnt/stick").string() + " ext4 rw 0 0\n"
        "/dev/sdg1 " + (t / "elsewhere/usb").string() + " ext4 rw 0 0\n"
        "/dev/sdh1 " + (t / "media/gone").string() + " ext4 rw 0 0\n";
    write_file_atomic(t / "mounts", mounts);
    const auto targets = feed::export_targets(t / "mounts", {t / "media", t / "run/media", t / "mnt"});
    std::vector<fs::path> paths;
    for (const auto& x : targets) {
        paths.push_back(x.path);
        EXPECT_GT(x.free_bytes, 0u);
    }
    EXPECT_EQ(paths, (std::vector<fs::path>{t / "media/maria/KINGSTON", t / "media/maria/My Drive", t / "media/usb0",
                                            t / "mnt/stick"}));
    EXPECT_TRUE(feed::export_targets(t / "no-mounts-file").empty());
    fs::remove_all(t);
}
