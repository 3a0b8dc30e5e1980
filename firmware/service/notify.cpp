#include "service/notify.hpp"

#include <cstdint>
#include <systemd/sd-daemon.h>

namespace sb::service {

namespace {

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

void send(const std::string& state) {
    // 0 when NOTIFY_SOCKET is unset; a failure to reach systemd is not the booth's concern.
    (void)sd_notify(0, state.c_str());
}

}  // namespace

void ready(const std::string& s) { send("READY=1\nSTATUS=" + one_line(s)); }
void status(const std::string& s) { send("STATUS=" + one_line(s)); }
void watchdog() { send("WATCHDOG=1"); }
void stopping() { send("STOPPING=1\nSTATUS=stopping"); }

std::optional<std::chrono::microseconds> watchdog_interval() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(static_cast<std::int64_t>(usec));
}

}  // namespace sb::service
