#pragma once
// The recording engine: one story from an audio source into the catalog.
//
// Threads: the source's capture thread pushes frames into a lock-free ring; the worker thread
// (owned here) drains it, meters every microphone, writes the untouched master, mixes the
// listening copy, measures its loudness, encodes it and makes it durable every ~100 ms. The
// caller's thread only starts, marks, pauses and stops. Faults — a full disk, a lost device —
// end the recording cleanly with what was captured and leave a sticky reason in fault().
#include "capture/source.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "dsp/meter.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace sb {

struct RecorderSettings {
    std::filesystem::path data_dir;
    int bitrate = 64000;
    bool master = true;
    int complexity = 10;
    std::optional<double> max_seconds;  // stop by itself after this much recorded audio
    double sync_interval_s = 0.1;       // durable write cadence
    double watchdog_s = 3.0;            // a device silent this long is treated as lost
    double ring_seconds = 10.0;         // slack between the capture thread and the worker
};

// Called on the worker thread for every 100 ms of captured audio: ten times a second at real time.
using LevelsListener = std::function<void(const Levels& levels, std::int64_t recorded_ms)>;

struct RecordOutcome {
    Story story;                  // as the catalog holds it after finalisation
    std::filesystem::path opus;   // empty when nothing was captured
    std::optional<std::filesystem::path> master;
    std::uint64_t overflows = 0;  // overflow events (device or ring)
    std::uint64_t frames_dropped = 0;
    std::string fault;            // why it ended early, or empty
    double max_sync_gap_ms = 0;   // largest wall-clock gap between durable writes
    double max_exposure_ms = 0;   // most audio that was not yet durable at any moment
};

class Recorder {
public:
    Recorder(Catalog& catalog, const Clock& clock, RecorderSettings settings);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    void set_levels_listener(LevelsListener l) { listener_ = std::move(l); }

    // Creates the story (state "recording", durably) and its files, then starts capture.
    // Throws sb::Error with a clear reason; on failure nothing is left half made.
    const Story& start(AudioSource& source, const NewStory& story);

    // Stores a chapter marker at the current recorded position.
    void add_marker(const std::string& text);
    void pause() { paused_.store(true); }
    void resume() { paused_.store(false); }
    bool paused() const { return paused_.load(); }
    std::int64_t recorded_ms() const;

    void request_stop() { stop_.store(true); }
    // True once the worker has ended (stop, end of input, time limit or fault).
    bool done() const { return done_.load(); }
    // Waits for the worker, finalises the story and returns the outcome. Call once.
    RecordOutcome finish();

    std::string fault() const;

private:
    void worker();
    void set_fault(const std::string& why);

    Catalog& catalog_;
    const Clock& clock_;
    RecorderSettings settings_;
    LevelsListener listener_;

    AudioSource* source_ = nullptr;
    std::unique_ptr<CaptureSink> sink_;
    struct Writers;
    std::unique_ptr<Writers> writers_;
    Story story_;

    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    std::atomic<bool> done_{false};
    std::atomic<std::int64_t> frames_recorded_{0};
    int rate_ = 48000;

    mutable std::mutex fault_mutex_;
    std::string fault_;
    double max_sync_gap_ms_ = 0;
    double max_exposure_ms_ = 0;
};

}  // namespace sb
