#include "gpio/led.hpp"

#include <spdlog/spdlog.h>

namespace sb::gpio {

const char* to_string(LedPattern p) {
    switch (p) {
        case LedPattern::off: return "off";
        case LedPattern::idle: return "idle";
        case LedPattern::solid: return "solid";
        case LedPattern::error: return "error";
    }
    return "off";
}

LedDriver::LedDriver(OutputLine& line, NowFn now) : line_(line), now_(std::move(now)) {
    if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
    base_since_ = now_();
}

LedDriver::~LedDriver() {
    stop();
    try {
        line_.set(false);
    } catch (const std::exception& e) {
        spdlog::warn("turning the button's LED off: {}", e.what());
    }
}

void LedDriver::set(LedPattern p) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (p == base_) return;
        base_ = p;
        base_since_ = now_();
    }
    cv_.notify_all();
}

void LedDriver::flash_error(std::chrono::milliseconds for_how_long) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        const auto now = now_();
        error_since_ = now;
        error_until_ = now + for_how_long;
    }
    cv_.notify_all();
}

LedPattern LedDriver::shown_locked(TimePoint now) const {
    if (error_until_ && now < *error_until_) return LedPattern::error;
    return base_;
}

LedPattern LedDriver::pattern() const {
    std::lock_guard<std::mutex> lock(mu_);
    return shown_locked(now_());
}

bool LedDriver::level_locked(TimePoint now) const {
    const auto blink = [now](TimePoint since, std::chrono::milliseconds half) {
        const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count();
        return t < 0 || (t / half.count()) % 2 == 0;  // starts on
    };
    switch (shown_locked(now)) {
        case LedPattern::off: return false;
        case LedPattern::solid: return true;
        case LedPattern::idle: return blink(base_since_, kIdleHalf);
        case LedPattern::error: return blink(*error_since_, kErrorHalf);
    }
    return false;
}

void LedDriver::update() {
    std::lock_guard<std::mutex> lock(mu_);
    const bool level = level_locked(now_());
    if (written_ && *written_ == level) return;
    try {
        line_.set(level);
        written_ = level;
        failed_said_ = false;
    } catch (const std::exception& e) {
        if (!failed_said_) spdlog::error("the button's LED: {}", e.what());
        failed_said_ = true;
    }
}

void LedDriver::start() {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
        for (;;) {
            update();
            std::unique_lock<std::mutex> lock(mu_);
            if (cv_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stopping_; })) return;
        }
    });
}

void LedDriver::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace sb::gpio
