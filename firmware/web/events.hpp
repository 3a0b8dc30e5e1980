#pragma once
// Server-Sent Events for the booth's screens: a hub that keeps the most recent events in a
// bounded ring, and one stream per client that waits on it. A slow client skips what fell out
// of the ring (levels are only worth having live); nothing ever waits on a client.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace httplib {
class Response;
}

namespace sb::web {

struct Event {
    std::uint64_t seq = 0;
    std::string name;  // level, state, timer, warning, error
    std::string data;  // JSON text
};

class EventHub {
public:
    explicit EventHub(std::size_t keep = 512) : keep_(keep) {}
    void publish(const std::string& name, const std::string& json_data);
    // Events after `seq`, waiting up to `timeout` for one. Empty when none came or closed.
    std::vector<Event> wait_after(std::uint64_t seq, std::chrono::milliseconds timeout);
    std::uint64_t latest() const;
    // Ends every stream (shutdown).
    void close();
    bool closed() const;

private:
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::deque<Event> events_;
    std::size_t keep_;
    std::uint64_t next_ = 1;
    bool closed_ = false;
};

// Turns `res` into an SSE stream of the hub's events from now on (with a comment line every
// 15 s so proxies keep it open).
void stream_events(EventHub& hub, httplib::Response& res);

// One event in the wire format: "event: NAME\ndata: JSON\n\n".
std::string format_event(const Event& e);

}  // namespace sb::web
