#pragma once
// The recording engine: one story from an audio source into the catalog.
//
// Threads: the source's capture thread pushes frames into a lock-free ring; the worker thread
// (owned here) drains it, meters every microphone, writes the untouched master, mixes the
// listening copy, measures its loudness, encodes it and makes it durable every ~100 ms. The
// caller's thread only starts, marks, pauses, begins, replaces the source and stops. Faults — a
// full disk, a lost device — end the recording cleanly with what was captured and leave a sticky
// reason in fault(); with RecorderSettings::wait_for_device a lost device instead makes the
// recording wait (device_lost()) until replace_source() hands it a new one.
//
// Armed start (the booth's mic check): capture runs and levels flow, but nothing is written;
// the worker keeps the last `preroll_seconds` of audio in a buffer allocated at start. begin()
// cuts at the frames captured so far: the pre-roll before that point goes into the files first,
// then everything after it. Recorded time (recorded_ms, markers, the time limit) counts from the
// start of the written pre-roll.
#include "capture/source.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "dsp/meter.hpp"
#include "record/finalise.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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
    // A lost or silent device does not end the recording: what was written is made durable, the
    // worker stops reading and device_lost() turns true (no fault is set) until replace_source().
    bool wait_for_device = false;
};

struct StartOptions {
    bool armed = false;            // meter only (keeping a pre-roll) until begin()
    double preroll_seconds = 2.0;  // audio before begin() that is kept (armed only)
};

enum class FinishMode {
    finalise,  // close, repair, tag, hash, state "complete" in the catalog (the CLI)
    hold,      // close, repair and measure only: the story stays "recording" for review;
               // finalise_held() saves it, recover_stories() would mark it "recovered"
};

// Called on the worker thread for every 100 ms of captured audio: ten times a second at real time.
using LevelsListener = std::function<void(const Levels& levels, std::int64_t recorded_ms)>;

struct RecordOutcome {
    Story story;                  // as the catalog holds it after finish (still "recording" when held)
    std::filesystem::path opus;   // empty when nothing was captured
    std::optional<std::filesystem::path> master;
    std::int64_t duration_ms = 0; // of the listening copy
    std::uint64_t overflows = 0;  // overflow events (device or ring)
    std::uint64_t frames_dropped = 0;
    std::string fault;            // why it ended early, or empty
    double max_sync_gap_ms = 0;   // largest wall-clock gap between durable writes
    double max_exposure_ms = 0;   // most audio that was not yet durable at any moment
    // FinishMode::hold: what finalise_held() needs (loudness measured while recording, end time,
    // note, whether the files closed cleanly).
    std::optional<FinaliseInput> held;
};

class Recorder {
public:
    Recorder(Catalog& catalog, const Clock& clock, RecorderSettings settings);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Set before start().
    void set_levels_listener(LevelsListener l) { listener_ = std::move(l); }

    // Creates the story (state "recording", durably) and its files, then starts capture.
    // Throws sb::Error with a clear reason; on failure nothing is left half made.
    // The first form leaves the source to the caller (it must outlive the recording); the second
    // owns it. Call once per Recorder.
    const Story& start(AudioSource& source, const NewStory& story, const StartOptions& options = {});
    const Story& start(std::unique_ptr<AudioSource> source, const NewStory& story, const StartOptions& options = {});

    // Armed only: from the frames captured so far, the last preroll_seconds go into the files,
    // then everything that follows. A no-op when not armed (or already begun).
    void begin();
    bool armed() const { return armed_.load(); }

    // Stores a chapter marker at the current recorded position.
    void add_marker(const std::string& text);
    void pause() { paused_.store(true); }
    void resume() { paused_.store(false); }
    bool paused() const { return paused_.load(); }
    std::int64_t recorded_ms() const;

    // wait_for_device: the source stopped delivering; the recording waits for replace_source().
    bool device_lost() const { return device_lost_.load(); }
    // Stops the current source's capture thread and lets go of it (destroying it if owned), e.g.
    // so the device list can be enumerated afresh. The recording then waits as if the device were
    // lost (device_lost() is true) until replace_source().
    void release_source();
    // Continues the recording from a new source of the same format (channels and rate; otherwise
    // sb::Error and nothing changes) into the same files: the time without a source is simply not
    // in the recording. The old source's capture thread is stopped first, then the worker drains
    // what the old ring holds and parks while the ring is swapped: it never reads a sink that is
    // being replaced. If the new source fails to start, the recording keeps waiting (device_lost())
    // and the error is thrown. Throws sb::Error once the recording has ended.
    void replace_source(std::unique_ptr<AudioSource> source);
    void replace_source(AudioSource& source);  // the caller keeps it alive until the recording ends

    void request_stop() { stop_.store(true); }
    // True once the worker has ended (stop, end of input, time limit or fault).
    bool done() const { return done_.load(); }
    // Waits for the worker, closes the files and returns the outcome. Call once (or abort()).
    RecordOutcome finish(FinishMode mode = FinishMode::finalise);
    // Stops capture, closes the files and removes the story for good: its folder, its rows
    // (catalog.purge: a tombstone stays in the change log). For a story nobody agreed to keep.
    void abort();

    std::string fault() const;
    const Story& story() const { return story_; }

    // When the worker last showed it is alive, in steady-clock nanoseconds since its epoch: set
    // each time frames arrive from the source, and while it knowingly waits (for a lost device,
    // or parked for a handover). A capture or worker that hangs leaves it unchanged; a device
    // that merely goes silent turns into a deliberate wait after watchdog_s.
    std::int64_t alive_ns() const { return alive_ns_.load(std::memory_order_relaxed); }

private:
    const Story& start_impl(AudioSource& source, const NewStory& story, const StartOptions& options);
    void replace_impl(AudioSource& source, std::unique_ptr<AudioSource> owned);
    void worker();
    void set_fault(const std::string& why);
    // Caller side of the park handshake: returns the request number, true when the worker parked
    // (false when it had already ended).
    std::uint64_t request_park();
    bool wait_parked(std::uint64_t request);
    void unpark(std::uint64_t request) { unpark_.store(request, std::memory_order_release); }
    void stop_worker_and_source();
    void forget_source();  // stop the source and drop it (after a recording ends)
    struct Closed {
        bool opus_ok = true;
        bool master_ok = true;
    };
    Closed close_writers();

    Catalog& catalog_;
    const Clock& clock_;
    RecorderSettings settings_;
    LevelsListener listener_;

    enum class Phase { idle, running, finished };
    Phase phase_ = Phase::idle;  // caller thread only

    std::unique_ptr<CaptureSink> sink_;
    // Sinks of replaced sources: kept until the end, in case a capture thread stuck in a driver
    // (detached by its source) ever wakes up and pushes.
    std::vector<std::unique_ptr<CaptureSink>> retired_sinks_;
    // Declared after the sinks, so an owned source (and its capture thread) goes before them.
    AudioSource* source_ = nullptr;
    std::unique_ptr<AudioSource> owned_source_;
    std::uint64_t retired_overflows_ = 0;
    std::uint64_t retired_dropped_ = 0;
    // What the worker knows of the source; changed only while the worker is parked.
    std::string source_name_;
    bool source_is_device_ = false;

    struct Writers;
    std::unique_ptr<Writers> writers_;
    Story story_;
    SourceFormat fmt_;
    std::size_t ring_frames_ = 0;

    // Pre-roll: preroll_frames_ + one chunk, allocated at start, used by the worker only.
    std::vector<std::int16_t> preroll_;
    std::size_t preroll_frames_ = 0;

    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    std::atomic<bool> done_{false};
    std::atomic<bool> armed_{false};
    std::atomic<std::int64_t> begin_at_{-1};  // the current sink's frames_pushed() at begin()
    std::atomic<bool> device_lost_{false};
    std::atomic<std::uint64_t> park_req_{0};   // caller: the last park request
    std::atomic<std::uint64_t> park_ack_{0};   // worker: the request it is parked for
    std::atomic<std::uint64_t> unpark_{0};     // caller: the request it has released
    std::atomic<std::int64_t> frames_recorded_{0};
    std::atomic<std::int64_t> alive_ns_{0};
    int rate_ = 48000;

    mutable std::mutex fault_mutex_;
    std::string fault_;
    double max_sync_gap_ms_ = 0;
    double max_exposure_ms_ = 0;
};

}  // namespace sb
