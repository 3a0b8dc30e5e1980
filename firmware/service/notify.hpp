#pragma once
// Telling systemd how the booth is doing (sd_notify), for a unit with Type=notify and
// WatchdogSec=. Every call is a no-op when the process was not started that way (NOTIFY_SOCKET
// unset), so the daemon runs unchanged without systemd.
#include <chrono>
#include <optional>
#include <string>

namespace sb::service {

// READY=1 with a one-line STATUS=: the booth is serving.
void ready(const std::string& status);
// STATUS=: a one-line description `systemctl status` shows.
void status(const std::string& status);
// WATCHDOG=1: the booth is alive. Send one at least every watchdog_interval().
void watchdog();
// STOPPING=1: an orderly stop has begun.
void stopping();
// How often systemd wants a watchdog ping (WATCHDOG_USEC, for this process), or nothing when
// the watchdog is off.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace sb::service
