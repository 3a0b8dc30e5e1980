#include "capture/source.hpp"

#include <chrono>

namespace sb {

CaptureSink::CaptureSink(int channels, std::size_t capacity_frames)
    : channels_(channels), ring_(capacity_frames * static_cast<std::size_t>(channels)) {}

void CaptureSink::push(const std::int16_t* frames, std::size_t nframes) noexcept {
    const std::size_t ch = static_cast<std::size_t>(channels_);
    // Only whole frames go in, so the consumer never sees a channel shift.
    const std::size_t room = ring_.write_available() / ch;
    const std::size_t n = nframes < room ? nframes : room;
    ring_.write(frames, n * ch);
    pushed_.fetch_add(n, std::memory_order_relaxed);
    if (n < nframes) {
        dropped_.fetch_add(nframes - n, std::memory_order_relaxed);
        overflows_.fetch_add(1, std::memory_order_relaxed);
    }
    last_push_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count(),
                        std::memory_order_relaxed);
}

}  // namespace sb
