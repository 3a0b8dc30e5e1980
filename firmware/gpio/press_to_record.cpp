#include "gpio/press_to_record.hpp"

#include <ctime>
#include <spdlog/spdlog.h>

namespace sb::gpio {

namespace {

bool idle(SessionState s) {
    return s == SessionState::welcome || s == SessionState::saved || s == SessionState::deleted;
}

bool recording(SessionState s) {
    return s == SessionState::recording || s == SessionState::paused || s == SessionState::mic_lost;
}

}  // namespace

PressToRecord::PressToRecord(SessionManager& session, const Clock& wall, InputLine& button, LedDriver* led,
                             PressToRecordSettings settings, NowFn now)
    : session_(session), wall_(wall), button_(button), led_(led), settings_(std::move(settings)), now_(std::move(now)) {
    if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
    raw_since_ = now_();
    try {
        raw_pressed_ = stable_pressed_ = !button_.value();  // held down at start: not a press
    } catch (const std::exception& e) {
        spdlog::warn("reading the button: {}", e.what());
    }
    if (led_) led_->set(LedPattern::idle);
}

PressToRecord::~PressToRecord() { stop(); }

std::string PressToRecord::last_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
}

// Judged on the edges' own times, so a poll that comes late never loses a press.
void PressToRecord::settle_locked(TimePoint now) {
    if (raw_pressed_ == stable_pressed_ || now - raw_since_ < settings_.debounce) return;
    stable_pressed_ = raw_pressed_;
    if (stable_pressed_) {
        ++presses_;
        press_locked();
    }
}

void PressToRecord::on_edge(const Edge& e) {
    std::lock_guard<std::mutex> lock(mu_);
    settle_locked(e.at);  // the level before this edge may have held long enough
    raw_pressed_ = !e.rising;
    raw_since_ = e.at;
}

void PressToRecord::poll() {
    std::lock_guard<std::mutex> lock(mu_);
    settle_locked(now_());
    SessionSnapshot s = session_.snapshot();
    if (!own_story_.empty() && s.story_id == own_story_ && s.state == SessionState::review) {
        spdlog::info("guestbook story {}: the longest recording was reached", s.story_code);
        finish_locked();
        s = session_.snapshot();
    }
    if (idle(s.state)) ignored_said_ = false;
    led_locked(s);
}

void PressToRecord::press_locked() {
    const SessionSnapshot s = session_.snapshot();
    if (!own_story_.empty() && s.story_id == own_story_ && (recording(s.state) || s.state == SessionState::review)) {
        if (s.state != SessionState::review && s.elapsed_ms < static_cast<std::int64_t>(settings_.min_seconds) * 1000) {
            spdlog::info("guestbook story {}: the button was pressed after {:.1f} s; a recording lasts at least {} s",
                         s.story_code, static_cast<double>(s.elapsed_ms) / 1000.0, settings_.min_seconds);
            return;
        }
        finish_locked();
        return;
    }
    if (!idle(s.state)) {
        if (!ignored_said_)
            spdlog::info("the button was pressed during a touchscreen session ({}); ignored", to_string(s.state));
        ignored_said_ = true;
        return;
    }
    QuickStart q;
    q.language = settings_.language;
    q.guest_name = settings_.language == "es" ? "Invitado" : "Guest";
    q.questions = settings_.questions;
    q.max_seconds = settings_.max_seconds;
    try {
        session_.quick_start(q);
    } catch (const std::exception& e) {
        fail_locked(std::string("the button could not start a recording: ") + e.what());
        return;
    }
    const SessionSnapshot now = session_.snapshot();
    own_story_ = now.story_id;
    last_error_.clear();
    spdlog::info("guestbook story {}: recording (press the button again to stop)", now.story_code);
}

void PressToRecord::finish_locked() {
    const SessionSnapshot before = session_.snapshot();
    try {
        session_.finish_quick(title_locked(before));
    } catch (const std::exception& e) {
        fail_locked("guestbook story " + before.story_code + " could not be saved: " + e.what() +
                    " (recovery keeps it at the next start)");
        own_story_.clear();
        return;
    }
    own_story_.clear();
    const SessionSnapshot after = session_.snapshot();
    if (!after.error.empty()) {
        fail_locked("guestbook story " + after.story_code + ": " + after.error);
        return;
    }
    last_error_.clear();
    spdlog::info("guestbook story {} saved ({:.1f} s)", after.story_code, static_cast<double>(after.elapsed_ms) / 1000.0);
}

void PressToRecord::fail_locked(const std::string& what) {
    spdlog::error("{}", what);
    last_error_ = what;
    if (led_) led_->flash_error(settings_.error_for);
}

std::string PressToRecord::title_locked(const SessionSnapshot& s) const {
    const std::string head = s.language == "es" ? "Libro de visitas — " : "Guestbook — ";
    if (!wall_.trusted()) return head + s.story_code;
    const std::time_t t = std::chrono::system_clock::to_time_t(wall_.now());
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return head + buf;
}

void PressToRecord::led_locked(const SessionSnapshot& s) {
    if (!led_) return;
    if (recording(s.state) || (s.state == SessionState::review && s.story_id == own_story_))
        led_->set(LedPattern::solid);
    else if (idle(s.state))
        led_->set(LedPattern::idle);
    else
        led_->set(LedPattern::off);
}

void PressToRecord::start() {
    if (thread_.joinable()) return;
    stopping_.store(false);
    thread_ = std::thread([this] {
        bool failed_said = false;
        while (!stopping_.load()) {
            try {
                if (auto e = button_.wait_edge(std::chrono::milliseconds(10))) on_edge(*e);
                failed_said = false;
            } catch (const std::exception& e) {
                if (!failed_said) spdlog::error("the button: {}", e.what());
                failed_said = true;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            try {
                poll();
            } catch (const std::exception& e) {
                spdlog::error("the button: {}", e.what());
            }
        }
    });
}

void PressToRecord::stop() {
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
}

}  // namespace sb::gpio
