#include "common/clock.hpp"

#include <cstdio>
#include <ctime>
#include <sys/timex.h>

namespace sb {

std::chrono::system_clock::time_point SystemClock::now() const {
    return std::chrono::system_clock::now();
}

bool SystemClock::trusted() const {
    struct timex tx {};
    int state = ::adjtimex(&tx);
    // TIME_ERROR or STA_UNSYNC: the kernel has not been told the time is right.
    return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm {};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

std::string iso_date_utc(std::chrono::system_clock::time_point t) {
    return iso8601_utc(t).substr(0, 10);
}

}  // namespace sb
