#pragma once
// Wall-clock time and whether it can be trusted. A Pi has no real-time clock: until NTP has
// synchronised it, its wall time may be days or years off. Behind an interface so tests can
// pin both the time and the trust.
#include <chrono>
#include <string>

namespace sb {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
    // True when the kernel says the clock is synchronised (NTP or an RTC that is set).
    virtual bool trusted() const = 0;
};

class SystemClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override;
    bool trusted() const override;
};

// ISO 8601 UTC with milliseconds: 2026-11-26T05:02:22.123Z
std::string iso8601_utc(std::chrono::system_clock::time_point t);
// Just the date part: 2026-11-26
std::string iso_date_utc(std::chrono::system_clock::time_point t);

}  // namespace sb
