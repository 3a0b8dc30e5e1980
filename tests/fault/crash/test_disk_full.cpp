// A disk that fills up under the booth: while it records, and while it finalises the story after
// Stop (closing the files, writing the final tags, the catalog rows). The data folder sits on a
// small tmpfs (root only) that the test fills with another file at the chosen moment, as a
// runaway log would. Without the right to mount, the booth's own file-size limit (RLIMIT_FSIZE,
// set on the running daemon with prlimit) stands in for the full disk: same failures (EFBIG
// instead of ENOSPC), and the catalog is limited the same way.
#include "fault/crash/fault.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace sbtest;
using namespace sbtest::fault;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool says_disk_full(const std::string& message) {
    const std::string m = lower(message);
    return m.find("space") != std::string::npos || m.find("disk") != std::string::npos ||
           m.find("too large") != std::string::npos || m.find("full") != std::string::npos;
}

// A fresh tmpfs of `mb` MB at `dir`, unmounted at the end; or, when mounting is not allowed,
// nothing (mounted() false) and the test limits the daemon's file size instead.
class SmallDisk {
public:
    SmallDisk(const fs::path& dir, int mb) : dir_(dir) {
        fs::create_directories(dir);
        mounted_ = run("mount -t tmpfs -o size=" + std::to_string(mb) + "m tmpfs " + q(dir.string()) + " 2>&1").exit_code == 0;
    }
    ~SmallDisk() {
        if (mounted_) run("umount -l " + q(dir_.string()));
    }
    bool mounted() const { return mounted_; }

    // Fills the disk with another file until at most `leave` bytes are free.
    void fill(std::uint64_t leave) {
        const fs::path f = dir_ / "filler.bin";
        const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) throw std::runtime_error("cannot make " + f.string());
        std::vector<char> block(64 * 1024, 'x');
        for (;;) {
            struct statvfs v {};
            ::statvfs(dir_.c_str(), &v);
            const std::uint64_t free = static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;
            if (free <= leave) break;
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), free - leave));
            if (::write(fd, block.data(), n) <= 0) break;  // full
        }
        ::close(fd);
    }
    void make_room() { fs::remove(dir_ / "filler.bin"); }

private:
    fs::path dir_;
    bool mounted_ = false;
};

// The fallback: writes past `bytes` in any file fail for the daemon (EFBIG; it ignores SIGXFSZ).
bool limit_file_size(int pid, rlim_t bytes) {
    struct rlimit r {bytes, bytes};
    return ::prlimit(pid, RLIMIT_FSIZE, &r, nullptr) == 0;
}

json wait_for_state(httplib::Client& c, const std::string& state, double seconds) {
    const auto until = steady::now() + std::chrono::duration<double>(seconds);
    json s;
    while (steady::now() < until) {
        s = body_json(c.Get("/api/v1/session"));
        if (s["state"] == state) return s;
        sleep_s(0.1);
    }
    return s;
}

struct Booth {
    TempDir t;
    std::unique_ptr<SmallDisk> disk;
    fs::path data;
    // Big enough for the booth's 32 MB of spare space, its 64 MB reserve and the one-minute time
    // limit, so the spare space is set aside and Record is allowed.
    Booth() {
        // The data folder is the small disk itself, so the daemon's log (beside it) is not on it.
        disk = std::make_unique<SmallDisk>(t / "disk", 160);
        data = t / "disk";
    }
};

// The story after the booth restarted with room again: kept, playable, consistent.
void expect_story_kept(const fs::path& data, const std::string& id, double at_least_ms) {
    const FolderReport rep = check_data_folder(data);
    EXPECT_TRUE(rep.problems.empty()) << joined(rep.problems);
    auto cat = sb::Catalog::open(data / "catalog.db");
    const auto s = cat.get(id);
    ASSERT_TRUE(s) << "the story is gone";
    EXPECT_TRUE(s->state == "complete" || s->state == "recovered") << s->state;
    EXPECT_GE(static_cast<double>(s->duration_ms.value_or(0)), at_least_ms) << s->note;
    EXPECT_EQ(playable_problem(data, *s), "");
}

const std::vector<std::string> kOneMinute = {"--time-limit-minutes", "1"};

}  // namespace

TEST(DiskFull, WhileRecordingTheBoothStopsCleanlyKeepsPlayableFilesAndSaysWhy) {
    const auto t0 = steady::now();
    Booth b;
    std::string id;
    double recorded_ms = 0;
    {
        Daemon d(b.data, kOneMinute);
        auto c = d.client();
        EventRecorder events(d.port());
        id = walk_to_mic_check(c)["story"]["id"].get<std::string>();
        ASSERT_EQ(post(c, "/api/v1/session/record")->status, 200);
        sleep_s(2.0);
        if (b.disk->mounted())
            b.disk->fill(0);
        else if (!limit_file_size(d.pid(), 1 << 20))
            GTEST_SKIP() << "neither a tmpfs mount nor prlimit(RLIMIT_FSIZE) is allowed here";
        // The recorder meets the full disk within its next durable write (~100 ms): Review.
        const json s = wait_for_state(c, "review", 20);
        ASSERT_EQ(s["state"], "review") << s.dump() << "\n" << d.log();
        ASSERT_TRUE(s["error"].is_string()) << s.dump();
        EXPECT_TRUE(says_disk_full(s["error"].get<std::string>())) << s["error"];
        EXPECT_GT(s["elapsed_ms"].get<int>(), 1500);
        recorded_ms = s["elapsed_ms"].get<double>();
        bool error_event = false;
        for (const auto& e : events.events())
            if (e.first == "error" && says_disk_full(e.second)) error_event = true;
        EXPECT_TRUE(error_event) << "the screen is told why";
        // Listening back works from what reached the disk.
        auto audio = c.Get("/api/v1/session/audio");
        ASSERT_TRUE(audio);
        EXPECT_EQ(audio->status, 200);
        // Save on the still-full disk: saved, or refused with a reason; never a lost story.
        auto r = post(c, "/api/v1/session/save");
        ASSERT_TRUE(r);
        std::printf("disk full while recording: save on the full disk answered %d %s\n", r->status, r->body.c_str());
        if (r->status != 200) {
            EXPECT_TRUE(says_disk_full(r->body)) << r->body;
        }
        auto cat = sb::Catalog::open(b.data / "catalog.db");
        EXPECT_EQ(cat.integrity_check(), "ok");
    }
    if (b.disk->mounted()) b.disk->make_room();
    Daemon again(b.data, kOneMinute);
    expect_story_kept(b.data, id, std::max(0.0, recorded_ms - 500));
    std::printf("disk full while recording: %.1f s\n", std::chrono::duration<double>(steady::now() - t0).count());
}

TEST(DiskFull, WhileFinalisingAfterStopTheStoryIsKeptPlayableAndTheScreenSaysWhy) {
    const auto t0 = steady::now();
    Booth b;
    if (!b.disk->mounted()) GTEST_SKIP() << "needs a tmpfs mount (root): a file-size limit cannot fill the catalog's disk";
    std::string id;
    double recorded_ms = 0;
    {
        Daemon d(b.data, kOneMinute);
        auto c = d.client();
        id = walk_to_mic_check(c)["story"]["id"].get<std::string>();
        ASSERT_EQ(post(c, "/api/v1/session/record")->status, 200);
        sleep_s(2.0);
        // The disk fills up just as Stop is pressed: closing the files, the final tags (a copy of
        // the listening file) and the catalog's rows all need a little space.
        recorded_ms = body_json(c.Get("/api/v1/session"))["elapsed_ms"].get<double>();
        b.disk->fill(0);
        auto r = post(c, "/api/v1/session/stop");
        ASSERT_TRUE(r);
        std::printf("disk full while finalising: stop answered %d %s\n", r->status, r->body.c_str());
        EXPECT_EQ(r->status, 200) << r->body;
        auto s = body_json(c.Get("/api/v1/session"));
        EXPECT_EQ(s["state"], "review") << s.dump();
        r = c.Put("/api/v1/session/review", json{{"title", "Saved on a full disk"}}.dump(), "application/json");
        ASSERT_TRUE(r);
        std::printf("disk full while finalising: review answered %d %s\n", r->status, r->body.c_str());
        if (r->status != 200) {
            EXPECT_TRUE(says_disk_full(r->body)) << r->body;
        }
        r = post(c, "/api/v1/session/save");
        ASSERT_TRUE(r);
        std::printf("disk full while finalising: save answered %d %s\n", r->status, r->body.c_str());
        if (r->status != 200) {
            EXPECT_TRUE(says_disk_full(r->body)) << r->body;
            s = body_json(c.Get("/api/v1/session"));
            std::printf("disk full while finalising: session after the refused save: %s\n", s.dump().c_str());
        }
        auto cat = sb::Catalog::open(b.data / "catalog.db");
        EXPECT_EQ(cat.integrity_check(), "ok");
        // Health still answers, and says the disk is full.
        auto h = c.Get("/api/v1/health");
        ASSERT_TRUE(h);
        EXPECT_EQ(body_json(h)["recording_seconds_left"], 0);
        std::printf("%s\n", d.log().c_str());
    }
    // The booth restarts on the full disk first (a power cut before anyone made room), then with room.
    {
        Daemon full(b.data, kOneMinute);
        auto cat = sb::Catalog::open(b.data / "catalog.db");
        EXPECT_EQ(cat.integrity_check(), "ok");
        std::printf("%s\n", full.log().c_str());
    }
    b.disk->make_room();
    Daemon again(b.data, kOneMinute);
    expect_story_kept(b.data, id, std::max(0.0, recorded_ms - 500));
    std::printf("disk full while finalising: %.1f s\n", std::chrono::duration<double>(steady::now() - t0).count());
}

TEST(DiskFull, ABoothStartedOnAFullDiskOpensItsCatalogWithTheSpareSpaceAndRefusesToRecord) {
    Booth b;
    if (!b.disk->mounted()) GTEST_SKIP() << "needs a tmpfs mount (root)";
    { Daemon first(b.data, kOneMinute); }  // makes the catalog and sets the spare space aside
    ASSERT_TRUE(fs::exists(b.data / ".spare"));
    EXPECT_EQ(fs::file_size(b.data / ".spare"), 32u << 20);
    b.disk->fill(0);  // filled while the booth was off
    {
        Daemon d(b.data, kOneMinute);
        EXPECT_NE(d.log().find("spare space was given back to open the catalog"), std::string::npos) << d.log();
        auto c = d.client();
        auto h = c.Get("/api/v1/health");
        ASSERT_TRUE(h);
        EXPECT_EQ(h->status, 200);
        EXPECT_EQ(body_json(h)["recording_seconds_left"], 0);
        // Record is refused in words, not an errno.
        walk_to_mic_check(c);
        auto r = post(c, "/api/v1/session/record");
        ASSERT_TRUE(r);
        std::printf("start on a full disk: record answered %d %s\n", r->status, r->body.c_str());
        EXPECT_EQ(r->status, 507) << r->body;
        EXPECT_TRUE(says_disk_full(r->body)) << r->body;
    }
    auto cat = sb::Catalog::open(b.data / "catalog.db");
    EXPECT_EQ(cat.integrity_check(), "ok");
}

TEST(DiskFull, WithoutSpareSpaceOnAFullDiskTheBoothSaysSoInOneLineAndExits) {
    Booth b;
    if (!b.disk->mounted()) GTEST_SKIP() << "needs a tmpfs mount (root)";
    { Daemon first(b.data, kOneMinute); }
    fs::remove(b.data / ".spare");  // already used up
    b.disk->fill(0);
    const auto argv = Daemon::command(b.data, kOneMinute);
    std::string cmd;
    for (const auto& a : argv) cmd += q(a) + " ";
    const auto r = run("timeout 20 " + cmd);
    std::printf("start on a full disk without spare space: exit %d, %s\n", r.exit_code, r.err.c_str());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("is full"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the stories are safe"), std::string::npos) << r.err;
}
