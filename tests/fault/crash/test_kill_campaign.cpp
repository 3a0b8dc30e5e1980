// The booth daemon SIGKILLed at random moments of a kiosk session (pre-roll, recording, paused,
// finalising after Stop, saving), restarted each time on the same data folder: the restart
// recovers the story, which must keep all but the last half second of what the booth said it
// had captured, play, and leave the catalog and the folder consistent.
//
// Shards of KillCampaign run as separate ctest cases (ctest -j2 runs two at once). The seed is
// fixed (SB_CRASH_SEED overrides it) and printed, so a failing moment can be replayed.
#include "fault/crash/fault.hpp"

#include <array>
#include <cstdlib>
#include <gtest/gtest.h>
#include <random>

using namespace sbtest;
using namespace sbtest::fault;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

constexpr int kShards = 4;
constexpr int kKillsPerShard = 25;  // 100 in all
constexpr std::uint64_t kDefaultSeed = 20261201;

enum Phase { preroll, recording, paused, finalising, saving, kPhases };
const std::array<const char*, kPhases> kPhaseNames = {"pre-roll", "recording", "paused", "finalising", "saving"};

std::uint64_t seed() {
    const char* s = std::getenv("SB_CRASH_SEED");
    return s && *s ? std::strtoull(s, nullptr, 10) : kDefaultSeed;
}

double ms_since(steady::time_point a, steady::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// One kill: where it landed and what the booth had captured by then.
struct Kill {
    Phase phase = preroll;
    std::string id;
    double captured_ms = 0;   // audio the booth had reported, plus real time since the report while recording
    bool call_answered = false;  // finalising/saving: Stop/Save had answered before the kill
};

// Sends POST `path` on a second connection and SIGKILLs the daemon up to `max_delay_s` later:
// whether the call had answered by then, and when it was sent.
struct KilledCall {
    bool answered = false;
    steady::time_point sent;
};
KilledCall kill_during_call(Daemon& d, const std::string& path, double delay_s) {
    KilledCall out;
    std::atomic<bool> answered{false};
    std::thread call([&] {
        httplib::Client c2("127.0.0.1", d.port());
        c2.set_read_timeout(10, 0);
        out.sent = steady::now();
        auto r = post(c2, path);
        answered = r && r->status == 200;
    });
    sleep_s(delay_s);
    d.stop(SIGKILL);
    call.join();
    out.answered = answered;
    return out;
}

// Runs the session from the mic check to the chosen phase and SIGKILLs the daemon at a random
// moment in it.
Kill run_and_kill(Daemon& d, Phase phase, std::mt19937_64& rng) {
    auto u = [&rng](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    httplib::Client c = d.client();
    Kill k;
    k.phase = phase;
    k.id = walk_to_mic_check(c)["story"]["id"].get<std::string>();
    auto kill = [&d] { d.stop(SIGKILL); };
    auto session = [&c] { return body_json(c.Get("/api/v1/session")); };
    auto must = [](const httplib::Result& r, const char* what) {
        if (!r || r->status != 200) throw std::runtime_error(std::string(what) + " refused: " + (r ? r->body : "no response"));
        return json::parse(r->body);
    };

    if (phase == preroll) {
        sleep_s(u(0.0, 2.2));
        kill();  // nothing is written before Record: nothing captured
        return k;
    }
    must(post(c, "/api/v1/session/record"), "record");
    if (phase == recording) {
        sleep_s(u(0.0, 3.0));
        const json s = session();
        const auto t_seen = steady::now();
        kill();
        k.captured_ms = s["elapsed_ms"].get<double>() + ms_since(t_seen, steady::now());
        return k;
    }
    if (phase == paused) {
        sleep_s(u(0.2, 1.5));
        must(post(c, "/api/v1/session/pause"), "pause");
        sleep_s(u(0.0, 1.5));
        k.captured_ms = session()["elapsed_ms"].get<double>();
        kill();
        return k;
    }
    sleep_s(u(0.3, 2.0));
    if (phase == finalising) {
        // Stop is pressed; the kill lands while the booth closes the recording, or just after.
        const json s = session();
        const auto t_seen = steady::now();
        // Closing a short recording takes milliseconds: the kill comes within 40 ms of the call,
        // so it lands before, during or just after the closing.
        const KilledCall call = kill_during_call(d, "/api/v1/session/stop", u(0.0, 0.04));
        k.call_answered = call.answered;
        k.captured_ms = s["elapsed_ms"].get<double>() + ms_since(t_seen, call.sent);
        return k;
    }
    // saving: Stop answered (the held duration is what was captured), a title given, Save pressed.
    k.captured_ms = must(post(c, "/api/v1/session/stop"), "stop")["elapsed_ms"].get<double>();
    must(c.Put("/api/v1/session/review", json{{"title", "A story killed while saving"}}.dump(), "application/json"), "review");
    // Saving (repair, the final tags, hashes, the catalog) takes tens of milliseconds.
    k.call_answered = kill_during_call(d, "/api/v1/session/save", u(0.0, 0.12)).answered;
    return k;
}

struct Figures {
    std::array<int, kPhases> kills{};
    std::array<int, kPhases> answered{};  // Stop/Save answered before the kill
    int lost = 0;                         // no row, or no audio although audio was captured
    int honest_empty = 0;                 // killed in the pre-roll or within 0.5 s of Record: a row that says nothing was captured
    int with_audio = 0;
    double worst_loss_ms = 0, sum_loss_ms = 0;
    double worst_gain_ms = 0;  // file longer than the reported capture (the kill landed after the report)
};

// After the restart: the killed story as recovery left it.
void check_recovered(const fs::path& data, const Kill& k, Figures& f) {
    auto cat = sb::Catalog::open(data / "catalog.db");
    const auto s = cat.get(k.id);
    const std::string where = std::string("killed in ") + kPhaseNames[k.phase] + ", story " + k.id;
    if (!s) {
        ++f.lost;
        ADD_FAILURE() << where << ": the story is gone";
        return;
    }
    EXPECT_TRUE(s->state == "recovered" || s->state == "complete") << where << ": state " << s->state;
    if (k.phase == preroll) {
        // Record was never pressed: the row stays, honestly empty.
        EXPECT_EQ(s->duration_ms.value_or(-1), 0) << where;
        EXPECT_NE(s->note.find("nothing was captured"), std::string::npos) << where << ": note " << s->note;
        ++f.honest_empty;
        return;
    }
    if (s->files.empty() || s->duration_ms.value_or(0) <= 0) {
        // Killed within the first moments of Record: what was captured (at most the half second
        // a kill may cost) had not reached the disk. The story says so honestly.
        if (k.captured_ms <= 500.0 && s->note.find("nothing was captured") != std::string::npos) {
            ++f.honest_empty;
            f.worst_loss_ms = std::max(f.worst_loss_ms, k.captured_ms);
            return;
        }
        ++f.lost;
        ADD_FAILURE() << where << ": no audio kept of " << k.captured_ms << " ms captured (note: " << s->note << ")";
        return;
    }
    ++f.with_audio;
    const double kept = static_cast<double>(*s->duration_ms);
    const double loss = std::max(0.0, k.captured_ms - kept);
    f.worst_loss_ms = std::max(f.worst_loss_ms, loss);
    f.worst_gain_ms = std::max(f.worst_gain_ms, kept - k.captured_ms);
    f.sum_loss_ms += loss;
    EXPECT_LE(loss, 500.0) << where << ": captured " << k.captured_ms << " ms, kept " << kept << " ms";
    EXPECT_EQ(playable_problem(data, *s), "") << where;
    if (k.phase == saving && s->state == "complete") {
        EXPECT_EQ(s->title, "A story killed while saving") << where;
    }
}

}  // namespace

class KillCampaign : public ::testing::TestWithParam<int> {};

TEST_P(KillCampaign, SigkillAtRandomMomentsOfASessionLosesNoStoryAndAtMostHalfASecond) {
    const int shard = GetParam();
    const std::uint64_t sd = seed();
    std::mt19937_64 rng(sd * 1000 + static_cast<std::uint64_t>(shard));
    std::printf("kill campaign shard %d/%d: seed %llu (SB_CRASH_SEED=%llu to replay)\n", shard + 1, kShards,
                static_cast<unsigned long long>(sd), static_cast<unsigned long long>(sd));
    const auto t0 = steady::now();
    TempDir t;
    const fs::path data = t / "data";
    Figures f;
    std::optional<Kill> last;
    for (int i = 0; i <= kKillsPerShard; ++i) {
        Daemon d(data);  // recovery of the previous kill happens before it serves
        if (last) check_recovered(data, *last, f);
        const FolderReport rep = check_data_folder(data);
        if (!rep.problems.empty() || ::testing::Test::HasFailure()) {
            ADD_FAILURE() << "after kill " << i << ":\n" << joined(rep.problems);
            std::printf("first failure after kill %d; the restarted daemon's log:\n%s\n", i, d.log().c_str());
            break;
        }
        if (i == kKillsPerShard) break;
        // Every phase equally often, in an order that differs between shards.
        const Phase phase = static_cast<Phase>((i + shard) % kPhases);
        last = run_and_kill(d, phase, rng);
        ++f.kills[phase];
        if (last->call_answered) ++f.answered[phase];
    }
    const double secs = ms_since(t0, steady::now()) / 1000.0;
    int kills = 0;
    for (int n : f.kills) kills += n;
    std::printf("kill campaign shard %d: %d kills in %.1f s\n", shard + 1, kills, secs);
    for (int p = 0; p < kPhases; ++p)
        std::printf("  %-10s %2d kills%s\n", kPhaseNames[static_cast<std::size_t>(p)], f.kills[static_cast<std::size_t>(p)],
                    p >= finalising ? (" (" + std::to_string(f.answered[static_cast<std::size_t>(p)]) + " after the call answered)").c_str() : "");
    std::printf("  stories lost %d; with audio %d; honestly empty (pre-roll, or killed within 0.5 s of Record) %d\n", f.lost, f.with_audio, f.honest_empty);
    std::printf("  audio loss: worst %.0f ms, mean %.0f ms (kept beyond the last report: at most %.0f ms)\n", f.worst_loss_ms,
                f.with_audio ? f.sum_loss_ms / f.with_audio : 0.0, f.worst_gain_ms);
    std::printf("CRASH-FIGURES shard=%d seed=%llu kills=%d preroll=%d recording=%d paused=%d finalising=%d saving=%d lost=%d "
                "worst_loss_ms=%.0f sum_loss_ms=%.0f with_audio=%d seconds=%.1f\n",
                shard + 1, static_cast<unsigned long long>(sd), kills, f.kills[0], f.kills[1], f.kills[2], f.kills[3], f.kills[4],
                f.lost, f.worst_loss_ms, f.sum_loss_ms, f.with_audio, secs);
    RecordProperty("kills", kills);
    RecordProperty("stories_lost", f.lost);
    RecordProperty("worst_loss_ms", static_cast<int>(f.worst_loss_ms));
    EXPECT_EQ(f.lost, 0);
}

INSTANTIATE_TEST_SUITE_P(Shards, KillCampaign, ::testing::Range(0, kShards));
