// storybooth run — the booth daemon — and storybooth admin set-pin.
#include "app/run.hpp"

#include "auth/auth.hpp"
#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "daemon/booth.hpp"
#include "record/layout.hpp"

#include <csignal>
#include <iostream>
#include <spdlog/spdlog.h>
#include <thread>

namespace sb::app {

namespace {

Booth* g_booth = nullptr;
std::atomic<bool> g_signalled{false};

extern "C" void on_signal(int) { g_signalled.store(true); }

}  // namespace

Settings resolve_settings(const RunOptions& o) {
    Settings s;
    if (!o.config.empty()) load_config_file(s, o.config);
    for (const auto& [key, value] : o.flags) {
        try {
            apply_setting(s, key, value);
        } catch (const Error& e) {
            throw Error("--" + key + ": " + e.what());
        }
    }
    return s;
}

int cmd_run(const RunOptions& o) {
    if (o.print_config) {
        std::cout << default_config_text();
        return 0;
    }
    const Settings s = resolve_settings(o);
    Booth booth(s, o.version);
    const int port = booth.bind();
    g_booth = &booth;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    // Signals only set a flag; this thread turns it into an orderly stop.
    std::thread watcher([&booth] {
        while (!g_signalled.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        booth.stop();
    });
    const std::string host = s.listen.substr(0, s.listen.rfind(':'));
    spdlog::info("storybooth {} serving on http://{}:{}/ with {} (data in {})", o.version, host, port,
                 booth.settings().input.empty() ? "microphone '" + (s.device.empty() ? std::string("default input") : s.device) + "'"
                                                : "the simulated microphone " + s.input.string(),
                 s.data.string());
    booth.serve();
    g_signalled.store(true);
    watcher.join();
    g_booth = nullptr;
    spdlog::info("storybooth stopped");
    return 0;
}

int cmd_set_pin(const SetPinOptions& o) {
    std::string pin;
    if (!std::getline(std::cin, pin) || pin.empty()) throw Error("give the new PIN on standard input, e.g. echo 1234 | storybooth admin set-pin");
    while (!pin.empty() && (pin.back() == '\r' || pin.back() == ' ')) pin.pop_back();
    make_dirs_durable(o.data);
    auto clock = std::make_shared<SystemClock>();
    Catalog catalog = Catalog::open(layout::catalog_file(o.data), clock);
    auth::PinStore pins(catalog, clock);
    pins.set_pin(pin);
    catalog.audit("command line", "pin_set", "", "");
    std::cout << "The librarian PIN is set.\n";
    return 0;
}

}  // namespace sb::app
