// storybooth run — the booth daemon — and storybooth admin set-pin.
#include "app/run.hpp"

#include "app/commands.hpp"

#include "auth/auth.hpp"
#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "daemon/booth.hpp"
#include "record/layout.hpp"

#include <csignal>
#include <sys/stat.h>
#include <malloc.h>
#include <iostream>
#include <spdlog/spdlog.h>
#include <thread>

namespace sb::app {

namespace {

// The data folder holds the recordings, the catalog and the hashes of the PIN and sync tokens:
// nothing in it is for other users of the machine. The service unit sets UMask=0027; this keeps
// the same when the booth is started by hand or by another supervisor.
void keep_files_from_other_users() {
    const mode_t old = ::umask(0);
    ::umask(old | 0027);
}

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
#ifdef __GLIBC__
    // glibc gives each busy thread its own malloc arena; with a pool of HTTP threads that
    // multiplies the memory a small booth keeps. Two arenas are plenty here.
    mallopt(M_ARENA_MAX, 2);
#endif
    const Settings s = resolve_settings(o);
    keep_files_from_other_users();
    Booth booth(s, o.version);
    const int port = booth.bind();
    install_signal_handlers();
    // Signals only set a flag; this thread turns it into an orderly stop.
    std::atomic<bool> served{false};
    std::thread watcher([&booth, &served] {
        while (!stop_requested() && !served.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        booth.stop();
    });
    const std::string host = s.listen.substr(0, s.listen.rfind(':'));
    spdlog::info("storybooth {} serving on http://{}:{}/ with {} (data in {})", o.version, host, port,
                 booth.settings().input.empty() ? "microphone '" + (s.device.empty() ? std::string("default input") : s.device) + "'"
                                                : "the simulated microphone " + s.input.string(),
                 s.data.string());
    booth.serve();
    served.store(true);
    watcher.join();
    spdlog::info("storybooth stopped");
    return 0;
}

int cmd_set_pin(const SetPinOptions& o) {
    std::string pin;
    if (!std::getline(std::cin, pin) || pin.empty()) throw Error("give the new PIN on standard input, e.g. echo 1234 | storybooth admin set-pin");
    while (!pin.empty() && (pin.back() == '\r' || pin.back() == ' ')) pin.pop_back();
    keep_files_from_other_users();
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
