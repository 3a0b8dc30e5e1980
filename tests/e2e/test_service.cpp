// The booth as systemd runs it: sd_notify (READY, watchdog pings, STOPPING) through a real
// notification socket, and the deployment files in hardware/ (units, installed config, Avahi
// script, the README's storage figures).
#include "e2e/daemon.hpp"
#include "record/layout.hpp"
#include "record/recorder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <set>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sbtest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = SB_SOURCE_DIR;

// A unix datagram socket standing where systemd's notification socket would be.
class NotifySocket {
public:
    explicit NotifySocket(const fs::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket failed");
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed: " + path.string());
    }
    ~NotifySocket() {
        ::close(fd_);
        std::error_code ec;
        fs::remove(path_, ec);
    }
    // The next datagram, or nothing within the timeout.
    std::optional<std::string> receive(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }
    // Waits for a message containing `needle`; the messages passed on the way are kept in `seen`.
    bool wait_for(const std::string& needle, std::chrono::milliseconds timeout, std::vector<std::string>* seen = nullptr) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()));
            if (!m) return false;
            if (seen) seen->push_back(*m);
            if (m->find(needle) != std::string::npos) return true;
        }
        return false;
    }
    // WATCHDOG=1 messages within `span`.
    int count_pings(std::chrono::milliseconds span) {
        int n = 0;
        const auto end = std::chrono::steady_clock::now() + span;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            auto m = receive(left);
            if (m && *m == "WATCHDOG=1") ++n;
        }
        return n;
    }

private:
    fs::path path_;
    int fd_ = -1;
};

// Sets environment variables for the processes started while it lives.
class Env {
public:
    Env(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {
        for (auto& [k, v] : vars_) ::setenv(k.c_str(), v.c_str(), 1);
        ::unsetenv("WATCHDOG_PID");
    }
    ~Env() {
        for (auto& [k, v] : vars_) ::unsetenv(k.c_str());
    }

private:
    std::vector<std::pair<std::string, std::string>> vars_;
};

httplib::Result post(httplib::Client& c, const std::string& path, const json& body = json::object()) {
    return c.Post(path, body.dump(), "application/json");
}
httplib::Result put(httplib::Client& c, const std::string& path, const json& body) {
    return c.Put(path, body.dump(), "application/json");
}

// One storyteller through to the questions, ready for the mic check.
void walk_to_questions(httplib::Client& c) {
    ASSERT_EQ(post(c, "/api/v1/session", {{"language", "en"}})->status, 200);
    ASSERT_EQ(put(c, "/api/v1/session/participants", json::array({{{"name", "Ana"}, {"role", "storyteller"}}}))->status, 200);
    ASSERT_EQ(put(c, "/api/v1/session/consent", json::array({{{"participant", 0}, {"choice", "private"}, {"typed_name", "Ana"}}}))->status, 200);
    ASSERT_EQ(put(c, "/api/v1/session/questions", json::array({{{"text", "Where did you grow up?"}}}))->status, 200);
}

}  // namespace

TEST(Service, TellsSystemdReadyWhenServingPingsTheWatchdogWhileIdleAndStoppingOnSigterm) {
    TempDir tmp;
    NotifySocket sock(tmp / "notify");
    // WATCHDOG_USEC of 1 s: a ping every half second.
    Env env({{"NOTIFY_SOCKET", (tmp / "notify").string()}, {"WATCHDOG_USEC", "1000000"}});
    Daemon d(tmp / "data");

    std::vector<std::string> seen;
    ASSERT_TRUE(sock.wait_for("READY=1", std::chrono::seconds(10), &seen)) << d.log();
    const std::string ready = seen.back();
    EXPECT_NE(ready.find("STATUS=serving on port " + std::to_string(d.port())), std::string::npos) << ready;
    // READY means the server answers.
    auto c = d.client();
    auto r = c.Get("/api/v1/session");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);

    // Idle (no microphone open): pings keep coming, about two a second.
    const int pings = sock.count_pings(std::chrono::milliseconds(3000));
    EXPECT_GE(pings, 4) << d.log();
    EXPECT_LE(pings, 8);

    EXPECT_EQ(d.stop(SIGTERM), 0);
    EXPECT_TRUE(sock.wait_for("STOPPING=1", std::chrono::seconds(2))) << d.log();
}

TEST(Service, KeepsPingingTheWatchdogWhileFramesArriveInARecording) {
    TempDir tmp;
    NotifySocket sock(tmp / "notify");
    Env env({{"NOTIFY_SOCKET", (tmp / "notify").string()}, {"WATCHDOG_USEC", "1000000"}});
    Daemon d(tmp / "data");
    ASSERT_TRUE(sock.wait_for("READY=1", std::chrono::seconds(10)));

    auto c = d.client();
    ASSERT_NO_FATAL_FAILURE(walk_to_questions(c));
    auto r = post(c, "/api/v1/session/mic-check");
    ASSERT_EQ(r->status, 200) << r->body;
    r = post(c, "/api/v1/session/record");
    ASSERT_EQ(r->status, 200) << r->body;

    const int pings = sock.count_pings(std::chrono::milliseconds(3000));
    EXPECT_GE(pings, 4) << d.log();

    // SIGTERM in a recording: STOPPING, and the recording is saved.
    EXPECT_EQ(d.stop(SIGTERM), 0);
    EXPECT_TRUE(sock.wait_for("STOPPING=1", std::chrono::seconds(5)));
    EXPECT_NE(d.log().find("saved at shutdown"), std::string::npos) << d.log();
}

namespace {

std::set<int> threads_of(int pid) {
    std::set<int> tids;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) tids.insert(std::stoi(e.path().filename().string()));
    return tids;
}

// The pid of this test's child process with that name, or -1.
int child_named(const std::string& comm) {
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat = slurp_file(e.path() / "stat");  // pid (comm) state ppid ...
        const auto close = stat.rfind(')');
        if (close == std::string::npos || stat.substr(stat.find('(') + 1, close - stat.find('(') - 1) != comm) continue;
        std::istringstream rest(stat.substr(close + 2));
        std::string state;
        int ppid = 0;
        rest >> state >> ppid;
        if (ppid == ::getpid()) return std::stoi(name);
    }
    return -1;
}

}  // namespace

// A hung capture, for real: the threads the mic check starts (the simulated microphone's capture
// thread and the recording worker) are stopped with ptrace, as a driver that never returns would
// stop them; everything else in the daemon keeps running. The pings stop, so systemd would
// restart the booth; when the threads run again, so do the pings.
TEST(Service, StopsPingingTheWatchdogWhileTheAudioPathIsHung) {
    TempDir tmp;
    NotifySocket sock(tmp / "notify");
    Env env({{"NOTIFY_SOCKET", (tmp / "notify").string()}, {"WATCHDOG_USEC", "1000000"}});
    Daemon d(tmp / "data");
    ASSERT_TRUE(sock.wait_for("READY=1", std::chrono::seconds(10)));
    const int pid = child_named("storybooth");
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::set<int> before = threads_of(pid);

    auto c = d.client();
    ASSERT_NO_FATAL_FAILURE(walk_to_questions(c));
    ASSERT_EQ(post(c, "/api/v1/session/mic-check")->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<int> audio;
    for (int tid : threads_of(pid))
        if (!before.count(tid)) audio.push_back(tid);
    ASSERT_FALSE(audio.empty()) << "no threads started at the mic check";
    EXPECT_GE(sock.count_pings(std::chrono::milliseconds(1500)), 2) << d.log();

    std::vector<int> stopped;
    for (int tid : audio) {
        if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) continue;
        ::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
        int st = 0;
        ::waitpid(tid, &st, __WALL);
        stopped.push_back(tid);
    }
    if (stopped.empty()) GTEST_SKIP() << "ptrace is not allowed here: " << std::strerror(errno);

    // Within the daemon's 5 s of grace the pings stop, and stay stopped while the threads hang.
    sock.count_pings(std::chrono::milliseconds(6000));
    const int while_hung = sock.count_pings(std::chrono::milliseconds(3000));
    for (int tid : stopped) ::ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
    EXPECT_EQ(while_hung, 0) << d.log();
    EXPECT_NE(d.log().find("the audio path has stopped responding"), std::string::npos) << d.log();

    // Running again: the pings come back.
    EXPECT_GE(sock.count_pings(std::chrono::milliseconds(2000)), 2) << d.log();
    EXPECT_EQ(d.stop(SIGTERM), 0);
}

TEST(Service, RunsWithoutSystemdWhenNoNotifySocketIsSet) {
    TempDir tmp;
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    Daemon d(tmp / "data");
    auto c = d.client();
    auto r = c.Get("/api/v1/session");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(d.stop(SIGTERM), 0);
}

// --- the liveness signal the watchdog pings follow ---

namespace {

// A capture source the test feeds by hand; `device` decides whether the recorder's 3 s silence
// watchdog applies (a real microphone) or not (the simulated microphone).
class HandFedSource final : public sb::AudioSource {
public:
    explicit HandFedSource(bool device) : device_(device) {}
    sb::SourceFormat format() const override { return {}; }
    std::string name() const override { return "Hand-fed mic"; }
    bool is_device() const override { return device_; }
    void start(sb::CaptureSink& sink) override { sink_ = &sink; }
    void stop() override {}
    void feed(double seconds) {
        std::vector<std::int16_t> block(480);
        for (int b = 0; b < static_cast<int>(seconds * 100); ++b) {
            for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::int16_t>(8000 * std::sin((n_++) * 0.06));
            while (sink_->ring().write_available() < block.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            sink_->push(block.data(), block.size());
        }
    }

private:
    bool device_;
    sb::CaptureSink* sink_ = nullptr;
    std::uint64_t n_ = 0;
};

double alive_age_s(const sb::Recorder& r) {
    const auto alive = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(r.alive_ns()));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - alive).count();
}

}  // namespace

// The simulated microphone has no silence watchdog: when its capture stops delivering, the
// recorder's sign of life goes stale, so the daemon stops pinging and systemd restarts it.
TEST(Liveness, GoesStaleWhenCaptureStopsDeliveringAndFreshWhenFramesArriveAgain) {
    TempDir t;
    sb::Catalog cat = sb::Catalog::open(t / "catalog.db");
    sb::SystemClock clock;
    sb::RecorderSettings rs;
    rs.data_dir = t.path();
    sb::Recorder rec(cat, clock, rs);
    HandFedSource src(/*device=*/false);
    rec.start(src, sb::NewStory{}, sb::StartOptions{.armed = true});
    src.feed(0.5);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_LT(alive_age_s(rec), 0.2);

    // Capture hangs: nothing arrives for 1.5 s.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_GT(alive_age_s(rec), 1.4);
    EXPECT_FALSE(rec.device_lost());
    EXPECT_FALSE(rec.done());

    src.feed(0.2);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_LT(alive_age_s(rec), 0.2);
    rec.abort();
}

// A real microphone that falls silent is the booth's own business: after the recorder's
// watchdog it is waiting for the microphone on purpose (mic_lost), and stays alive.
TEST(Liveness, AMicrophoneThatFallsSilentBecomesADeliberateWaitThatStaysAlive) {
    TempDir t;
    sb::Catalog cat = sb::Catalog::open(t / "catalog.db");
    sb::SystemClock clock;
    sb::RecorderSettings rs;
    rs.data_dir = t.path();
    rs.watchdog_s = 0.5;
    rs.wait_for_device = true;
    sb::Recorder rec(cat, clock, rs);
    HandFedSource src(/*device=*/true);
    rec.start(src, sb::NewStory{});
    src.feed(0.3);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!rec.device_lost() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(rec.device_lost());
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    EXPECT_LT(alive_age_s(rec), 0.2);
    rec.request_stop();
    rec.finish();
}

// --- hardware/os ---

TEST(Deployment, InstalledConfigHasOnlyRealSettingsAndListensOnTheLan) {
    TempDir tmp;
    const fs::path conf = kSource / "hardware/os/storybooth.conf";
    auto r = run(q(storybooth()) + " info --json --config " + q(conf.string()) + " --data " + q((tmp / "data").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["listen"], "0.0.0.0:8080");
    EXPECT_EQ(j["api"], 1);
    EXPECT_EQ(j["booth_id"].get<std::string>().size(), 36u);

    // Each line of the file is a setting the program knows: the same file with one unknown key is refused.
    std::string text = slurp_file(conf);
    EXPECT_NE(text.find("data = /var/lib/storybooth"), std::string::npos);
    std::ofstream(tmp / "bad.conf") << text << "microphone-gain = 3\n";
    r = run(q(storybooth()) + " info --config " + q((tmp / "bad.conf").string()) + " --data " + q((tmp / "data").string()));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("microphone-gain"), std::string::npos) << r.err;
}

TEST(Deployment, AvahiScriptAdvertisesTheBoothIdAndPort) {
    TempDir tmp;
    std::string text = slurp_file(kSource / "hardware/os/storybooth.conf");
    text += "data = " + (tmp / "data").string() + "\nlisten = 0.0.0.0:8123\nbooth-name = Rosa & Leo's booth\n";
    std::ofstream(tmp / "booth.conf") << text;
    auto info = run(q(storybooth()) + " info --json --config " + q((tmp / "booth.conf").string()));
    ASSERT_EQ(info.exit_code, 0) << info.err;
    const std::string id = json::parse(info.out)["booth_id"];

    auto r = run("STORYBOOTH=" + q(storybooth()) + " " + q((kSource / "hardware/os/storybooth-avahi-update").string()) + " " +
                 q((tmp / "booth.conf").string()) + " " + q((tmp / "storybooth.service").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string xml = slurp_file(tmp / "storybooth.service");
    EXPECT_NE(xml.find("<type>_storybooth._tcp</type>"), std::string::npos);
    EXPECT_NE(xml.find("<type>_http._tcp</type>"), std::string::npos);
    EXPECT_NE(xml.find("<txt-record>txtvers=1</txt-record>"), std::string::npos);
    EXPECT_NE(xml.find("<txt-record>id=" + id + "</txt-record>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<txt-record>api=1</txt-record>"), std::string::npos);
    EXPECT_NE(xml.find("<port>8123</port>"), std::string::npos);
    EXPECT_NE(xml.find("<name>Rosa &amp; Leo's booth</name>"), std::string::npos) << xml;
    // Well-formed XML, if xmllint is there to say so.
    if (run("command -v xmllint").exit_code == 0) {
        auto x = run("xmllint --noout " + q((tmp / "storybooth.service").string()));
        EXPECT_EQ(x.exit_code, 0) << x.err;
    }
}

// systemd-analyze verify checks the units' syntax, every directive and the sandboxing options.
// The programs the units start are not installed where the tests run (/usr/bin/storybooth comes
// with the storybooth package, /usr/bin/cage with its package on the Pi), so "is not executable"
// about exactly those paths is expected; any other complaint fails the test.
TEST(Deployment, UnitsPassSystemdAnalyzeVerify) {
    if (run("command -v systemd-analyze").exit_code != 0) GTEST_SKIP() << "systemd-analyze is not installed (package systemd)";
    TempDir tmp;
    const std::string units = q((kSource / "hardware/os/storybooth.service").string()) + " " +
                              q((kSource / "hardware/os/storybooth-kiosk.service").string());
    auto r = run("cd " + q(tmp.path().string()) + " && SYSTEMD_LOG_COLOR=0 systemd-analyze verify " + units);
    std::istringstream lines(r.out + r.err);
    std::string line, unexpected;
    for (std::string l; std::getline(lines, l);) {
        if (l.empty()) continue;
        const bool absent_program =
            l.find("is not executable: No such file or directory") != std::string::npos &&
            (l.find("/usr/bin/storybooth") != std::string::npos || l.find("/usr/bin/cage") != std::string::npos ||
             l.find("/usr/bin/chromium") != std::string::npos || l.find("/usr/bin/curl") != std::string::npos);
        if (!absent_program) unexpected += l + "\n";
    }
    EXPECT_EQ(unexpected, "") << "systemd-analyze verify said:\n" << r.out << r.err;

    // The check can fail: a misspelt directive is reported.
    std::string unit = slurp_file(kSource / "hardware/os/storybooth.service");
    unit.replace(unit.find("WatchdogSec="), 12, "WatchDogSecs=");
    std::ofstream(tmp / "storybooth.service") << unit;
    r = run("cd " + q(tmp.path().string()) + " && systemd-analyze verify storybooth.service");
    EXPECT_NE((r.out + r.err).find("WatchDogSecs"), std::string::npos) << r.out << r.err;
}

// hardware/README.md states how much recording a gigabyte holds; the figures must be what the
// booth itself computes (record/layout.hpp), for the defaults and with the master off.
TEST(Deployment, ReadmeStorageFiguresAreWhatTheBoothComputes) {
    const std::string readme = slurp_file(kSource / "hardware/README.md");
    auto figure = [&](const std::string& label) -> std::string {
        // A line "| <label> | <bytes/s> | <hours per GB> | <GB for 100 hours> |"
        const auto at = readme.find("| " + label + " |");
        if (at == std::string::npos) return "";
        return readme.substr(at, readme.find('\n', at) - at);
    };
    struct Row {
        std::string label;
        int bitrate;
        bool master;
        int channels;
    };
    for (const Row& row : {Row{"64 kbit/s Opus + FLAC master, 2 mics", 64000, true, 2},
                           Row{"64 kbit/s Opus + FLAC master, 1 mic", 64000, true, 1},
                           Row{"64 kbit/s Opus, master off", 64000, false, 2}}) {
        const double bps = sb::layout::bytes_per_second(row.bitrate, row.master, row.channels, 48000);
        char want[200];
        std::snprintf(want, sizeof want, "| %s | %.0f | %.1f | %.1f |", row.label.c_str(), bps, 1e9 / bps / 3600.0,
                      bps * 100 * 3600 / 1e9);
        EXPECT_EQ(figure(row.label), want) << "update hardware/README.md's storage table";
    }
}
