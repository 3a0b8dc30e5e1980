#pragma once
// A GPIO chip for the tests, behind the same interface as the real one: named lines, an input
// whose edges the test makes (press, release, bounce) with the time of each, and outputs that
// remember every level written and when.
#include "gpio/gpio.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sbtest {

class FakeChip final : public sb::gpio::GpioChip {
public:
    using TimePoint = sb::gpio::TimePoint;

    explicit FakeChip(std::set<std::string> lines, std::function<TimePoint()> now)
        : state_(std::make_shared<State>()) {
        state_->lines = std::move(lines);
        state_->now = std::move(now);
    }
    std::string name() const override { return "fake-gpiochip"; }

    std::unique_ptr<sb::gpio::InputLine> request_input(const std::string& line, const std::string&) override {
        claim(line);
        return std::make_unique<Input>(state_);
    }
    std::unique_ptr<sb::gpio::OutputLine> request_output(const std::string& line, const std::string&,
                                                         bool initial) override {
        claim(line);
        auto out = std::make_unique<Output>(state_);
        out->set(initial);
        return out;
    }

    // The button (pull-up: high when let go, low when pressed).
    void press(TimePoint at) { edge(false, at); }
    void release(TimePoint at) { edge(true, at); }

    // Every level written to the outputs, in order, with the time it was written.
    std::vector<std::pair<TimePoint, bool>> led_writes() {
        std::lock_guard<std::mutex> lock(state_->m);
        return state_->writes;
    }
    bool led() {
        std::lock_guard<std::mutex> lock(state_->m);
        return !state_->writes.empty() && state_->writes.back().second;
    }

private:
    struct State {
        std::mutex m;
        std::condition_variable cv;
        std::set<std::string> lines, used;
        std::deque<sb::gpio::Edge> edges;
        bool level = true;
        std::vector<std::pair<TimePoint, bool>> writes;
        std::function<TimePoint()> now;
    };

    class Input final : public sb::gpio::InputLine {
    public:
        explicit Input(std::shared_ptr<State> s) : s_(std::move(s)) {}
        std::optional<sb::gpio::Edge> wait_edge(std::chrono::milliseconds timeout) override {
            std::unique_lock<std::mutex> lock(s_->m);
            if (!s_->cv.wait_for(lock, timeout, [&] { return !s_->edges.empty(); })) return std::nullopt;
            const auto e = s_->edges.front();
            s_->edges.pop_front();
            return e;
        }
        bool value() override {
            std::lock_guard<std::mutex> lock(s_->m);
            return s_->level;
        }

    private:
        std::shared_ptr<State> s_;
    };

    class Output final : public sb::gpio::OutputLine {
    public:
        explicit Output(std::shared_ptr<State> s) : s_(std::move(s)) {}
        void set(bool high) override {
            std::lock_guard<std::mutex> lock(s_->m);
            s_->writes.emplace_back(s_->now(), high);
        }

    private:
        std::shared_ptr<State> s_;
    };

    void claim(const std::string& line) {
        std::lock_guard<std::mutex> lock(state_->m);
        if (!state_->lines.count(line)) throw sb::gpio::GpioError("the GPIO chip 'fake-gpiochip' has no line named " + line);
        if (!state_->used.insert(line).second) throw sb::gpio::GpioError("the GPIO line " + line + " is in use");
    }
    void edge(bool rising, TimePoint at) {
        {
            std::lock_guard<std::mutex> lock(state_->m);
            if (state_->level == rising) return;  // no change, no edge
            state_->level = rising;
            state_->edges.push_back(sb::gpio::Edge{rising, at});
        }
        state_->cv.notify_all();
    }

    std::shared_ptr<State> state_;
};

// Steady time that moves only when the test says so.
class FakeSteady {
public:
    sb::gpio::TimePoint now() const { return sb::gpio::TimePoint(std::chrono::milliseconds(t_ms_.load())); }
    void advance(std::chrono::milliseconds d) { t_ms_.fetch_add(d.count()); }
    std::function<sb::gpio::TimePoint()> fn() {
        return [this] { return now(); };
    }

private:
    std::atomic<long long> t_ms_{1000000};
};

}  // namespace sbtest
