// A restart storm: the booth killed during a recording, then started and SIGKILLed again 20
// times in quick succession — before, during and after its own recovery at start. Recovery must
// be idempotent: one story, its files once, the same length every time, the catalog intact.
#include "fault/crash/fault.hpp"

#include <gtest/gtest.h>

using namespace sbtest;
using namespace sbtest::fault;
using steady = std::chrono::steady_clock;

namespace {

// How the story looked once recovered: later restarts must leave exactly this.
struct Snapshot {
    std::string state, note;
    std::int64_t duration_ms = 0;
    std::vector<std::string> files;  // path, size and hash of each
    bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const sb::Story& s) {
    Snapshot out{s.state, s.note, s.duration_ms.value_or(-1), {}};
    for (const auto& f : s.files) out.files.push_back(f.path + " " + std::to_string(f.size) + " " + f.sha256);
    return out;
}

}  // namespace

TEST(RestartStorm, TwentyKillsInQuickSuccessionIncludingDuringRecoveryKeepOneIntactStory) {
    const auto t0 = steady::now();
    TempDir t;
    const fs::path data = t / "data";
    std::string id;
    double captured_ms = 0;
    {
        Daemon d(data);
        auto c = d.client();
        id = walk_to_mic_check(c)["story"]["id"].get<std::string>();
        sleep_s(1.0);
        ASSERT_EQ(post(c, "/api/v1/session/record")->status, 200);
        ASSERT_EQ(post(c, "/api/v1/session/next-question")->status, 200);
        sleep_s(3.0);
        const auto s = body_json(c.Get("/api/v1/session"));
        const auto seen = steady::now();
        d.stop(SIGKILL);
        captured_ms = s["elapsed_ms"].get<double>() + std::chrono::duration<double, std::milli>(steady::now() - seen).count();
    }

    // Kill moments sweep the start: from before the catalog is open to after serving, in 4 ms
    // steps (the first few land before or inside the recovery, which takes tens of ms here).
    int before_recovery = 0, after_recovery_before_serving = 0, serving = 0;
    std::optional<Snapshot> first;
    int changed_after_recovery = 0;
    for (int i = 0; i < 20; ++i) {
        const fs::path log = t / ("storm-" + std::to_string(i) + ".log");
        {
            Process p(Daemon::command(data), log);
            std::this_thread::sleep_for(std::chrono::milliseconds(4 * i));
            p.kill(SIGKILL);
            p.wait();
        }
        const std::string text = slurp_file(log);
        if (text.find("serving on") != std::string::npos)
            ++serving;
        else if (text.find("was interrupted") != std::string::npos || first)
            ++after_recovery_before_serving;
        else
            ++before_recovery;
        if (!fs::exists(data / "catalog.db")) continue;
        auto cat = sb::Catalog::open(data / "catalog.db");
        const auto s = cat.get(id);
        ASSERT_TRUE(s) << "restart " << i << ": the story is gone";
        if (s->state == "recording") continue;  // killed before recovery finished: the next start does it
        if (!first)
            first = snapshot(*s);
        else if (!(snapshot(*s) == *first))
            ++changed_after_recovery;
    }
    std::printf("restart storm: 20 SIGKILLs at 0..76 ms after start: %d before recovery finished, %d after recovery "
                "but before serving, %d while serving\n",
                before_recovery, after_recovery_before_serving, serving);

    Daemon d(data);
    const FolderReport rep = check_data_folder(data);
    EXPECT_TRUE(rep.problems.empty()) << joined(rep.problems);
    EXPECT_EQ(rep.stories, 1) << "one recording, one story row";
    auto cat = sb::Catalog::open(data / "catalog.db");
    const auto s = cat.get(id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, "recovered");
    EXPECT_EQ(s->note, "recovered after an interruption") << "the note is not repeated by each recovery";
    ASSERT_EQ(s->files.size(), 2u);
    EXPECT_NE(s->files[0].path, s->files[1].path);
    EXPECT_EQ(playable_problem(data, *s), "");
    EXPECT_EQ(s->markers.size(), 1u);
    const double loss = captured_ms - static_cast<double>(s->duration_ms.value_or(0));
    EXPECT_LE(loss, 500.0) << "captured " << captured_ms << " ms, kept " << s->duration_ms.value_or(0);
    EXPECT_EQ(changed_after_recovery, 0) << "a later restart changed the recovered story";
    if (first) {
        EXPECT_EQ(snapshot(*s), *first);
    }
    // The change log holds the story once, not once per restart.
    int started = 0;
    for (const auto& ch : cat.changes_since(0, 1000))
        if (ch.story_id == id && ch.kind != "tombstone") ++started;
    std::printf("restart storm: kept %lld of %.0f ms (loss %.0f ms); %d change-log entries for the story; %.1f s\n",
                static_cast<long long>(s->duration_ms.value_or(0)), captured_ms, loss, started,
                std::chrono::duration<double>(steady::now() - t0).count());
}
