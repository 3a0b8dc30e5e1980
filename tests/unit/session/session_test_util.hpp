#pragma once
// Shared by the session tests: a clock the test moves, a microphone that hands out sources the
// test feeds by hand, a listener that remembers everything, and a fixture with a real catalog.
#include "capture/microphone.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "session/session.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sbtest {

// Wall time that moves only when the test says so.
class FakeClock final : public sb::Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return start_ + std::chrono::milliseconds(offset_ms_.load());
    }
    bool trusted() const override { return true; }
    void advance(std::chrono::milliseconds d) { offset_ms_.fetch_add(d.count()); }

private:
    // 2026-11-26T05:02:22Z
    std::chrono::system_clock::time_point start_{std::chrono::seconds(1795669342)};
    std::atomic<long long> offset_ms_{0};
};

// What a source hands the test: the sink it was started on (none once stopped).
struct Feed {
    std::mutex m;
    sb::CaptureSink* sink = nullptr;
};

// A device the test feeds by hand (the recorder's watchdog applies).
class TestSource final : public sb::AudioSource {
public:
    TestSource(std::shared_ptr<Feed> feed, sb::SourceFormat fmt) : feed_(std::move(feed)), fmt_(fmt) {}
    ~TestSource() override { stop(); }
    sb::SourceFormat format() const override { return fmt_; }
    std::string name() const override { return "Test Booth Mic"; }
    bool is_device() const override { return true; }
    void start(sb::CaptureSink& sink) override {
        std::lock_guard<std::mutex> lock(feed_->m);
        feed_->sink = &sink;
    }
    void stop() override {
        std::lock_guard<std::mutex> lock(feed_->m);
        feed_->sink = nullptr;
    }

private:
    std::shared_ptr<Feed> feed_;
    sb::SourceFormat fmt_;
};

class FakeMicrophone final : public sb::Microphone {
public:
    explicit FakeMicrophone(int channels = 2, int rate = 48000) {
        fmt_.channels = channels;
        fmt_.sample_rate = rate;
    }
    bool present() override { return present_.load(); }
    std::string name() const override { return "Test Booth Mic"; }
    std::unique_ptr<sb::AudioSource> open() override {
        if (!present_.load()) throw sb::Error("no microphone is connected");
        std::lock_guard<std::mutex> lock(m_);
        feeds_.push_back(std::make_shared<Feed>());
        return std::make_unique<TestSource>(feeds_.back(), fmt_);
    }

    void set_present(bool p) { present_.store(p); }
    void set_format(int channels, int rate) {
        std::lock_guard<std::mutex> lock(m_);
        fmt_.channels = channels;
        fmt_.sample_rate = rate;
    }
    int opened() {
        std::lock_guard<std::mutex> lock(m_);
        return static_cast<int>(feeds_.size());
    }
    // Pushes `seconds` of a tone (a different pitch per channel) into the newest source, in 10 ms
    // blocks, waiting for room like a device would not. False if that source is not running.
    bool feed(double seconds) {
        std::shared_ptr<Feed> f = latest();
        if (!f) return false;
        const int ch = fmt_.channels;
        const int block = fmt_.sample_rate / 100;
        std::vector<std::int16_t> buf(static_cast<std::size_t>(block * ch));
        for (int b = 0; b < static_cast<int>(std::lround(seconds * 100)); ++b) {
            for (int i = 0; i < block; ++i, ++n_)
                for (int c = 0; c < ch; ++c)
                    buf[static_cast<std::size_t>(i * ch + c)] =
                        static_cast<std::int16_t>(6000 * std::sin(static_cast<double>(n_) * (0.05 + 0.03 * c)));
            for (;;) {
                {
                    std::lock_guard<std::mutex> lock(f->m);
                    if (!f->sink) return false;
                    if (f->sink->ring().write_available() >= buf.size()) {
                        f->sink->push(buf.data(), static_cast<std::size_t>(block));
                        break;
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }
        return true;
    }
    // The newest source's device stops answering.
    void lose() {
        std::shared_ptr<Feed> f = latest();
        std::lock_guard<std::mutex> lock(f->m);
        if (f->sink) f->sink->set_status(sb::SourceStatus::device_lost);
    }

private:
    std::shared_ptr<Feed> latest() {
        std::lock_guard<std::mutex> lock(m_);
        return feeds_.empty() ? nullptr : feeds_.back();
    }
    std::atomic<bool> present_{true};
    std::mutex m_;
    sb::SourceFormat fmt_;
    std::vector<std::shared_ptr<Feed>> feeds_;
    std::uint64_t n_ = 0;
};

class RecordingListener final : public sb::SessionListener {
public:
    void on_state(const sb::SessionSnapshot& s) override {
        std::lock_guard<std::mutex> lock(m);
        states.push_back(s.state);
        snapshots.push_back(s);
    }
    void on_levels(const sb::Levels& l, std::int64_t elapsed_ms) override {
        std::lock_guard<std::mutex> lock(m);
        ++levels;
        last_levels = l;
        last_levels_elapsed_ms = elapsed_ms;
    }
    void on_timer(std::int64_t elapsed_ms, std::int64_t remaining_ms) override {
        std::lock_guard<std::mutex> lock(m);
        timers.emplace_back(elapsed_ms, remaining_ms);
    }
    void on_warning(int seconds_left) override {
        std::lock_guard<std::mutex> lock(m);
        warnings.push_back(seconds_left);
    }
    void on_error(const std::string& message) override {
        std::lock_guard<std::mutex> lock(m);
        errors.push_back(message);
    }
    int level_count() {
        std::lock_guard<std::mutex> lock(m);
        return levels;
    }
    bool saw(sb::SessionState s) {
        std::lock_guard<std::mutex> lock(m);
        return std::find(states.begin(), states.end(), s) != states.end();
    }

    std::mutex m;
    std::vector<sb::SessionState> states;
    std::vector<sb::SessionSnapshot> snapshots;
    int levels = 0;
    sb::Levels last_levels;
    std::int64_t last_levels_elapsed_ms = -1;
    std::vector<std::pair<std::int64_t, std::int64_t>> timers;
    std::vector<int> warnings;
    std::vector<std::string> errors;
};

// Polls `pred` (which may act, e.g. tick) until it holds or 10 s passed; true when it held.
template <class F>
bool wait_for(F&& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

class SessionTest : public ::testing::Test {
protected:
    TempDir dir;
    sb::Catalog cat = sb::Catalog::open(dir / "catalog.db");
    FakeClock clock;
    FakeMicrophone mic;
    RecordingListener events;
    sb::SessionSettings settings = default_settings();
    std::unique_ptr<sb::SessionManager> session;

    sb::SessionSettings default_settings() {
        sb::SessionSettings s;
        s.data_dir = dir.path();
        s.preroll_s = 0.5;
        s.watchdog_s = 60;  // the tests pause between feeds; losing the mic is done on purpose
        s.free_bytes = [] { return std::uint64_t{1} << 40; };
        return s;
    }
    // Made on first use, so a test can change `settings` first.
    sb::SessionManager& s() {
        if (!session) session = std::make_unique<sb::SessionManager>(cat, clock, mic, settings, &events);
        return *session;
    }

    static std::vector<sb::ParticipantInput> two_people() {
        return {sb::ParticipantInput{"Rosa Díaz", "storyteller", "70+", "grandmother", 1},
                sb::ParticipantInput{"Ana Díaz", "interviewer", "18-29", "granddaughter", 2}};
    }
    static std::vector<sb::ConsentInput> both_share() {
        return {sb::ConsentInput{0, "share", "Rosa Díaz", ""}, sb::ConsentInput{1, "share", "Ana Díaz", ""}};
    }
    static std::vector<std::string> three_questions() {
        return {"Where did you grow up?", "¿Qué recuerdas de tu abuela?", "What are you proudest of?"};
    }

    void to_questions() {
        s().start("en");
        s().set_participants(two_people());
        s().set_consent(both_share());
        s().set_questions(three_questions());
    }
    // Mic check with `seconds` of audio fed and metered.
    void to_mic_check(double seconds = 1.0) {
        to_questions();
        const int before = events.level_count();
        s().mic_check();
        ASSERT_TRUE(mic.feed(seconds));
        ASSERT_TRUE(wait_for([&] { return events.level_count() >= before + static_cast<int>(seconds * 10); }));
    }
    // Recording, with the pre-roll (0.5 s) in.
    void to_recording() {
        to_mic_check();
        s().record();
        wait_elapsed(500);
    }
    void feed_and_wait(double seconds) {
        const std::int64_t want = s().snapshot().elapsed_ms + static_cast<std::int64_t>(std::lround(seconds * 1000));
        ASSERT_TRUE(mic.feed(seconds));
        wait_elapsed(want);
    }
    void wait_elapsed(std::int64_t ms) {
        ASSERT_TRUE(wait_for([&] { return s().snapshot().elapsed_ms >= ms; })) << "elapsed " << s().snapshot().elapsed_ms;
    }
    // Moves the clock in 1 s steps, ticking after each.
    void pass(int seconds) {
        for (int i = 0; i < seconds; ++i) {
            clock.advance(std::chrono::seconds(1));
            s().tick();
        }
    }
    sb::SessionState state() { return s().snapshot().state; }
};

// The HTTP status of what `f` throws (0 when it throws nothing or something else).
template <class F>
int status_of(F&& f) {
    try {
        f();
    } catch (const sb::SessionError& e) {
        return e.status();
    } catch (...) {
        return -1;
    }
    return 0;
}

}  // namespace sbtest
