#pragma once
// Where audio comes from. A source owns one capture thread that pushes 16-bit interleaved
// frames into a CaptureSink; the recording worker drains the sink. The capture thread never
// locks, allocates, logs or does I/O other than reading its device (or, for the simulated
// microphone, its file).
#include "capture/ring.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace sb {

enum class SourceStatus : int {
    running = 0,
    ended = 1,        // the simulated microphone reached the end of its file
    device_lost = 2,  // the device stopped answering or returned an error
};

// The meeting point of the capture thread (producer) and the worker (consumer).
class CaptureSink {
public:
    CaptureSink(int channels, std::size_t capacity_frames);
    int channels() const noexcept { return channels_; }
    SpscRing<std::int16_t>& ring() noexcept { return ring_; }

    // Producer: pushes whole frames; frames that do not fit are dropped and counted.
    void push(const std::int16_t* frames, std::size_t nframes) noexcept;
    // Producer: the device reported frames lost before we read them.
    void note_device_overflow() noexcept { overflows_.fetch_add(1, std::memory_order_relaxed); }
    void set_status(SourceStatus s) noexcept { status_.store(static_cast<int>(s), std::memory_order_release); }

    SourceStatus status() const noexcept { return static_cast<SourceStatus>(status_.load(std::memory_order_acquire)); }
    // Overflow events: device overflows plus pushes that found the ring full.
    std::uint64_t overflows() const noexcept { return overflows_.load(std::memory_order_relaxed); }
    std::uint64_t frames_dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
    std::uint64_t frames_pushed() const noexcept { return pushed_.load(std::memory_order_relaxed); }
    // Steady-clock nanoseconds of the last push (0 before the first): the watchdog reads it.
    std::int64_t last_push_ns() const noexcept { return last_push_ns_.load(std::memory_order_relaxed); }

private:
    int channels_;
    SpscRing<std::int16_t> ring_;
    std::atomic<int> status_{0};
    std::atomic<std::uint64_t> overflows_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> pushed_{0};
    std::atomic<std::int64_t> last_push_ns_{0};
};

struct SourceFormat {
    int channels = 1;
    int sample_rate = 48000;
};

class AudioSource {
public:
    virtual ~AudioSource() = default;
    virtual SourceFormat format() const = 0;
    // Human name: the device name, or the input file.
    virtual std::string name() const = 0;
    // True for a real device (the watchdog applies); false for a simulated one read from a file.
    virtual bool is_device() const = 0;
    // Starts the capture thread. Throws sb::Error with a clear reason if it cannot.
    virtual void start(CaptureSink& sink) = 0;
    // Stops and joins the capture thread. Idempotent.
    virtual void stop() = 0;
};

}  // namespace sb
