#include "web/events.hpp"

#include <httplib.h>

namespace sb::web {

void EventHub::publish(const std::string& name, const std::string& json_data) {
    {
        std::lock_guard<std::mutex> lock(m_);
        events_.push_back({next_++, name, json_data});
        while (events_.size() > keep_) events_.pop_front();
    }
    cv_.notify_all();
}

std::vector<Event> EventHub::wait_after(std::uint64_t seq, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait_for(lock, timeout, [&] { return closed_ || (!events_.empty() && events_.back().seq > seq); });
    std::vector<Event> out;
    if (closed_) return out;
    for (const auto& e : events_)
        if (e.seq > seq) out.push_back(e);
    return out;
}

std::uint64_t EventHub::latest() const {
    std::lock_guard<std::mutex> lock(m_);
    return next_ - 1;
}

void EventHub::close() {
    {
        std::lock_guard<std::mutex> lock(m_);
        closed_ = true;
    }
    cv_.notify_all();
}

bool EventHub::closed() const {
    std::lock_guard<std::mutex> lock(m_);
    return closed_;
}

std::string format_event(const Event& e) {
    return "id: " + std::to_string(e.seq) + "\nevent: " + e.name + "\ndata: " + e.data + "\n\n";
}

void stream_events(EventHub& hub, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    auto seq = std::make_shared<std::uint64_t>(hub.latest());
    auto quiet = std::make_shared<int>(0);
    res.set_chunked_content_provider("text/event-stream", [&hub, seq, quiet](std::size_t, httplib::DataSink& sink) {
        if (hub.closed()) return false;
        auto events = hub.wait_after(*seq, std::chrono::milliseconds(1000));
        if (hub.closed()) return false;
        if (events.empty()) {
            if (++*quiet >= 15) {
                *quiet = 0;
                if (!sink.write(": keep-alive\n\n", 14)) return false;
            }
            return sink.is_writable();
        }
        *quiet = 0;
        std::string out;
        for (const auto& e : events) out += format_event(e);
        *seq = events.back().seq;
        return sink.write(out.data(), out.size());
    });
}

}  // namespace sb::web
