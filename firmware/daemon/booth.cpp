#include "daemon/booth.hpp"

#include "api/json_views.hpp"
#include "capture/microphones.hpp"
#include "common/fs.hpp"
#include "gpio/press_to_record.hpp"
#include "record/layout.hpp"
#include "record/recovery.hpp"
#include "record/spare.hpp"
#include "service/notify.hpp"
#include "web/worker_pool.hpp"

#include <chrono>
#include <cmath>
#include <httplib.h>
#include <spdlog/spdlog.h>

namespace sb {

namespace {

// Catalog settings keys under which the librarian's choices are kept.
std::string stored_key(const std::string& key) { return "setting:" + key; }

}  // namespace

// Forwards the session's events to the screens' event stream.
struct Booth::Listener final : SessionListener {
    explicit Listener(web::EventHub& hub) : hub_(hub) {}
    void on_state(const SessionSnapshot& s) override { hub_.publish("state", api::session_json(s).dump()); }
    void on_levels(const Levels& l, std::int64_t elapsed_ms) override {
        hub_.publish("level", api::levels_json(l, elapsed_ms).dump());
    }
    void on_timer(std::int64_t elapsed_ms, std::int64_t remaining_ms) override {
        hub_.publish("timer", nlohmann::json{{"elapsed_ms", elapsed_ms}, {"remaining_ms", remaining_ms}}.dump());
    }
    void on_warning(int seconds_left) override {
        hub_.publish("warning", nlohmann::json{{"seconds_left", seconds_left}}.dump());
    }
    void on_error(const std::string& message) override {
        hub_.publish("error", nlohmann::json{{"message", message}}.dump());
    }
    web::EventHub& hub_;
};

SessionSettings session_settings(const Settings& s) {
    SessionSettings ss;
    ss.data_dir = s.data;
    ss.bitrate = s.bitrate;
    ss.master = s.master;
    ss.time_limit_s = static_cast<int>(std::lround(s.time_limit_minutes * 60));
    ss.warnings_s.clear();
    for (double m : s.warning_minutes) ss.warnings_s.push_back(static_cast<int>(std::lround(m * 60)));
    ss.idle_timeout_s = s.idle_timeout_seconds;
    return ss;
}

namespace {

// The catalog, also on a disk that filled up while the booth was off: SQLite needs a little room
// to open it (its -wal and -shm files), which the spare space gives back.
Catalog open_catalog(const fs::path& data, const std::shared_ptr<const Clock>& clock) {
    const fs::path file = layout::catalog_file(data);
    try {
        return Catalog::open(file, clock);
    } catch (const CatalogError& e) {
        std::uint64_t free = 1;
        try {
            free = free_bytes(data);
        } catch (const std::exception&) {
        }
        if (!e.disk_full() && free > 0) throw;
        if (!spare::release_spare(data))
            throw Error("the disk holding " + data.string() +
                        " is full, so the catalog cannot be opened; the stories are safe: make room on it and start the booth again");
        spdlog::warn("the disk holding {} is full ({}); the spare space was given back to open the catalog", data.string(), e.what());
    }
    return Catalog::open(file, clock);
}

}  // namespace

Booth::Booth(Settings file_settings, std::string version, std::shared_ptr<const Clock> clock,
             auth::PinStore::HashCost pin_cost)
    : file_settings_(std::move(file_settings)), version_(std::move(version)), clock_(std::move(clock)) {
    if (!clock_) clock_ = std::make_shared<SystemClock>();
    make_dirs_durable(file_settings_.data);
    catalog_ = std::make_unique<Catalog>(open_catalog(file_settings_.data, clock_));

    // The librarian's saved choices win over the config file's defaults.
    effective_ = file_settings_;
    for (const auto& k : setting_keys()) {
        if (!k.librarian) continue;
        const std::string v = catalog_->setting(stored_key(k.key), "");
        if (v.empty()) continue;
        try {
            apply_setting(effective_, k.key, v);
        } catch (const Error& e) {
            spdlog::warn("ignoring the saved setting {}: {}", k.key, e.what());
        }
    }
    publish_booth_identity(effective_);

    const RecoveryReport r = recover_stories(*catalog_, effective_.data);
    if (!r.recovered.empty() || !r.orphans.empty() || !r.deletions_finished.empty())
        spdlog::warn("recovery at start: {} recovered, {} unknown folder(s) kept aside, {} deletion(s) finished",
                     r.recovered.size(), r.orphans.size(), r.deletions_finished.size());
    if (!spare::keep_spare(effective_.data))
        spdlog::warn("no spare space set aside in {}: the disk is nearly full", effective_.data.string());

    if (!effective_.input.empty()) {
        auto sim = std::make_unique<SimulatedMicrophone>(effective_.input, effective_.channels);
        if (!sim->present()) throw Error("the simulated microphone file " + effective_.input.string() + " does not exist");
        mic_ = std::move(sim);
    } else {
        mic_ = std::make_unique<DeviceMicrophone>(effective_.device, effective_.channels);
    }
    events_ = std::make_unique<web::EventHub>();
    listener_ = std::make_unique<Listener>(*events_);
    session_ = std::make_unique<SessionManager>(*catalog_, *clock_, *mic_, session_settings(effective_), listener_.get());
    if (!effective_.gpio_chip.empty()) open_button();
    pins_ = std::make_unique<auth::PinStore>(*catalog_, clock_, pin_cost);
    librarians_ = std::make_unique<auth::Sessions>(clock_);
    pairing_ = std::make_unique<auth::Pairing>(*catalog_, clock_);

    ctx_.catalog = catalog_.get();
    ctx_.clock = clock_;
    ctx_.mic = mic_.get();
    ctx_.session = session_.get();
    ctx_.pins = pins_.get();
    ctx_.librarians = librarians_.get();
    ctx_.pairing = pairing_.get();
    ctx_.events = events_.get();
    ctx_.settings = [this] { return settings(); };
    ctx_.save_settings = [this](const Settings& s) { save_settings(s); };
    ctx_.version = version_;
    mic_present_.store(mic_->present());
    ctx_.mic_present = [this] { return mic_present_.load(); };

    web::Guards guards;
    guards.admin = [this](const web::Request& req, web::Response& res) { return api::admin_guard(ctx_, req, res); };
    guards.sync = [this](const web::Request& req, web::Response& res) { return api::sync_guard(ctx_, req, res); };
    router_ = std::make_unique<web::Router>(guards);
    api::add_kiosk_routes(*router_, ctx_);
    api::add_admin_routes(*router_, ctx_);
    api::add_sync_routes(*router_, ctx_);
    api::add_page_routes(*router_, ctx_);

    server_ = std::make_unique<httplib::Server>();
    // Workers grow with the connections (web/worker_pool.hpp: the one place their number is
    // chosen), so slow clients cannot take the worker the touchscreen needs; each open event
    // stream holds one worker.
    server_->new_task_queue = [] { return new web::WorkerPool(web::WorkerPoolLimits{}); };
    server_->set_keep_alive_max_count(10);
    server_->set_payload_max_length(64 * 1024);  // larger bodies get 413
    server_->set_read_timeout(5, 0);             // a slow client cannot hold a thread for long
    server_->set_tcp_nodelay(true);              // small answers go out at once, not after a delayed ACK
    server_->set_write_timeout(5, 0);
    server_->set_keep_alive_timeout(5);
    // cpp-httplib (0.11) reads any number of header lines; no client of the booth sends more
    // than a few dozen, so a flood of them is refused before routing.
    server_->set_pre_routing_handler([](const web::Request& req, web::Response& res) {
        if (req.headers.size() <= web::kMaxRequestHeaders) return httplib::Server::HandlerResponse::Unhandled;
        res.set_header("Connection", "close");
        web::send_error(res, 431, "The request has too many headers.");
        return httplib::Server::HandlerResponse::Handled;
    });
    router_->install(*server_);
    server_->set_error_handler([](const web::Request&, web::Response& res) {
        if (res.body.empty()) {
            const char* msg = res.status == 404   ? "Not found."
                              : res.status == 413 ? "The request is too large."
                              : res.status == 400 ? "The request is not valid."
                                                  : "The request could not be handled.";
            web::send_error(res, res.status, msg);
        }
    });
}

Booth::~Booth() {
    stop();
    if (ticker_.joinable()) ticker_.join();
}

void Booth::open_button() {
    const Settings& s = effective_;
    try {
        gpio_chip_ = gpio::open_chip(s.gpio_chip);
        gpio_button_ = gpio_chip_->request_input(s.gpio_button, "storybooth button");
        if (!s.gpio_led.empty()) {
            gpio_led_line_ = gpio_chip_->request_output(s.gpio_led, "storybooth LED", false);
            gpio_led_ = std::make_unique<gpio::LedDriver>(*gpio_led_line_);
        }
    } catch (const std::exception& e) {
        spdlog::error("the press-to-record button is off: {}; the touchscreen works as usual", e.what());
        gpio_led_.reset();
        gpio_led_line_.reset();
        gpio_button_.reset();
        gpio_chip_.reset();
        return;
    }
    gpio::PressToRecordSettings ps;
    ps.min_seconds = s.gpio_min_seconds;
    ps.max_seconds = s.gpio_max_seconds;
    ps.language = s.languages.empty() ? "en" : s.languages.front();
    button_ = std::make_unique<gpio::PressToRecord>(*session_, *clock_, *gpio_button_, gpio_led_.get(), ps);
    spdlog::info("press-to-record button on {} line {}{}", gpio_chip_->name(), s.gpio_button,
                 gpio_led_ ? ", LED on line " + s.gpio_led : std::string());
}

Settings Booth::settings() const {
    std::lock_guard<std::mutex> lock(settings_mutex_);
    return effective_;
}

void Booth::save_settings(const Settings& s) {
    for (const auto& k : setting_keys())
        if (k.librarian) catalog_->set_setting(stored_key(k.key), setting_value(s, k.key));
    publish_booth_identity(s);
    {
        std::lock_guard<std::mutex> lock(settings_mutex_);
        effective_ = s;
    }
    // The next session uses them; one in progress carries on as it started.
    session_->update_settings(session_settings(s));
}

// Story codes and the BOOTH tag read these catalog settings.
void Booth::publish_booth_identity(const Settings& s) {
    catalog_->set_setting("booth_code", s.booth_code);
    catalog_->set_setting("booth_name", s.booth_name);
}

int Booth::bind() {
    const std::string& listen = file_settings_.listen;
    const auto colon = listen.rfind(':');
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const int port = std::stoi(listen.substr(colon + 1));
    if (port == 0) {
        const int p = server_->bind_to_any_port(host);
        if (p <= 0) throw Error("cannot listen on " + listen);
        port_.store(p);
        return p;
    }
    if (!server_->bind_to_port(host, port))
        throw Error("cannot listen on " + listen + " (is another storybooth already running there?)");
    port_.store(port);
    return port;
}

void Booth::serve() {
    serving_.store(1);
    if (!stopping_.load()) {
        ticker_ = std::thread([this] { tick_loop(); });
        if (gpio_led_) gpio_led_->start();
        if (button_) button_->start();
        server_->listen_after_bind();
    }
    serving_.store(2);
}

void Booth::tick_loop() {
    int n = 0;
    // systemd (Type=notify): READY once the server answers; with WatchdogSec=, a ping at half the
    // interval, sent only while the audio path is alive, so a hung capture or worker (or this
    // thread stuck) gets the booth restarted and the recording recovered at the next start.
    bool ready = false;
    const auto watchdog_every = service::watchdog_interval();
    auto last_ping = std::chrono::steady_clock::now();
    bool silent_said = false;
    const auto stale_after = std::chrono::milliseconds(static_cast<int>(SessionSettings{}.watchdog_s * 1000) + 2000);
    while (!stopping_.load()) {
        if (!ready && server_->is_running()) {
            ready = true;
            service::ready("serving on port " + std::to_string(port_.load()));
            if (watchdog_every) service::watchdog();
        }
        try {
            if (ready && watchdog_every) {
                const auto now = std::chrono::steady_clock::now();
                if (now - last_ping >= *watchdog_every / 2) {
                    // Overdue: ping at the first tick the audio path is alive again.
                    if (session_->audio_alive(stale_after)) {
                        service::watchdog();
                        last_ping = now;
                        silent_said = false;
                    } else if (!silent_said) {
                        spdlog::error("the audio path has stopped responding; the watchdog pings stop until it answers");
                        silent_said = true;
                    }
                }
            }
            session_->tick();
            const SessionSnapshot snap = session_->snapshot();
            const auto st = snap.state;
            const bool mic_open = st == SessionState::mic_check || st == SessionState::recording ||
                                  st == SessionState::paused || st == SessionState::mic_lost || st == SessionState::review;
            // Re-check the microphone every 5 s while none is open; while one is, the session knows.
            if (mic_open) mic_present_.store(snap.mic_present);
            else if (++n % 50 == 0) mic_present_.store(mic_->present());
        } catch (const std::exception& e) {
            spdlog::error("session tick: {}", e.what());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void Booth::stop() {
    if (stopping_.exchange(true)) return;
    service::stopping();
    events_->close();
    // stop() may come before serve() has started listening: keep asking until it has ended.
    for (int i = 0; i < 500 && serving_.load() == 1; ++i) {
        server_->stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (ticker_.joinable()) ticker_.join();
    if (button_) button_->stop();  // no new recording from the button during shutdown
    // A recording in progress is kept: stopped, then saved as it is.
    try {
        const auto st = session_->snapshot().state;
        if (st == SessionState::recording || st == SessionState::paused || st == SessionState::mic_lost) {
            session_->stop();
            session_->save();
            spdlog::info("the recording in progress was saved at shutdown");
        } else if (st == SessionState::review) {
            session_->save();
        }
    } catch (const std::exception& e) {
        spdlog::error("saving at shutdown: {} (recovery will finish it at the next start)", e.what());
    }
}

}  // namespace sb
