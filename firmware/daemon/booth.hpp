#pragma once
// The booth daemon (`storybooth run`): wires the catalog, recovery, the microphone, the interview
// session, librarian authentication and the HTTP API together, and runs them until stopped.
//
// Start-up order: open the catalog (integrity check, migrations), recover interrupted
// recordings, then serve. A clock thread calls the session's tick() ten times a second; under
// systemd it also sends READY=1 once the server answers and watchdog pings while the audio path
// is alive (service/notify.hpp); stop() sends STOPPING=1. With gpio-chip set, a button thread
// runs press-to-record (gpio/press_to_record.hpp); a missing chip or line is logged and the
// booth runs on the touchscreen alone.
#include "api/context.hpp"
#include "config/settings.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace sb {

namespace gpio {
class GpioChip;
class InputLine;
class OutputLine;
class LedDriver;
class PressToRecord;
}  // namespace gpio

class Booth {
public:
    // Throws sb::Error with one clear line when the booth cannot start. Nothing listens until
    // bind(); the routes answer through router() at once. `pin_cost` is the Argon2id cost of a
    // PIN hash (tests and fuzzers that log in many times use PinStore::cheapest_cost).
    Booth(Settings file_settings, std::string version, std::shared_ptr<const Clock> clock = nullptr,
          auth::PinStore::HashCost pin_cost = auth::PinStore::production_cost);
    ~Booth();
    Booth(const Booth&) = delete;
    Booth& operator=(const Booth&) = delete;

    // Binds the listen address (port 0: any free port) and returns the port. Throws on failure.
    int bind();
    // Serves until stop(). Call after bind().
    void serve();
    // Thread-safe and signal-driven: ends serve(); a recording in progress is stopped and saved.
    void stop();

    Settings settings() const;
    const web::Router& router() const { return *router_; }
    // What the handlers work with: the catalog, the session, the PIN store, the librarians'
    // sessions, the pairing, exactly as the routes see them.
    const api::Context& context() const { return ctx_; }

private:
    struct Listener;
    void save_settings(const Settings& s);
    void publish_booth_identity(const Settings& s);
    void tick_loop();
    void open_button();  // gpio-chip set: the press-to-record button and its LED; a fault is logged, not fatal

    Settings file_settings_;
    std::string version_;
    std::shared_ptr<const Clock> clock_;
    mutable std::mutex settings_mutex_;
    Settings effective_;

    std::unique_ptr<Catalog> catalog_;
    std::unique_ptr<Microphone> mic_;
    std::unique_ptr<web::EventHub> events_;
    std::unique_ptr<Listener> listener_;
    std::unique_ptr<SessionManager> session_;
    // The press-to-record button (none unless gpio-chip is set); the chip outlives its lines.
    std::unique_ptr<gpio::GpioChip> gpio_chip_;
    std::unique_ptr<gpio::InputLine> gpio_button_;
    std::unique_ptr<gpio::OutputLine> gpio_led_line_;
    std::unique_ptr<gpio::LedDriver> gpio_led_;
    std::unique_ptr<gpio::PressToRecord> button_;
    std::unique_ptr<auth::PinStore> pins_;
    std::unique_ptr<auth::Sessions> librarians_;
    std::unique_ptr<auth::Pairing> pairing_;
    api::Context ctx_;
    std::unique_ptr<web::Router> router_;
    std::unique_ptr<httplib::Server> server_;

    std::atomic<bool> stopping_{false};
    std::atomic<int> serving_{0};  // 0 never served, 1 serving (or about to), 2 finished
    std::atomic<bool> mic_present_{false};
    std::atomic<int> port_{0};     // the bound port, once bind() has run
    std::thread ticker_;
};

// The settings a session runs with, from the booth's settings.
SessionSettings session_settings(const Settings& s);

}  // namespace sb
