#include "record/recorder.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "dsp/loudness.hpp"
#include "dsp/mixer.hpp"
#include "encode/flac_writer.hpp"
#include "encode/opus_writer.hpp"
#include "record/finalise.hpp"
#include "record/layout.hpp"
#include "repair/ogg.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <spdlog/spdlog.h>
#include <vector>

namespace sb {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

struct Recorder::Writers {
    std::unique_ptr<OpusWriter> opus;
    std::unique_ptr<FlacWriter> master;
    std::unique_ptr<Mixer> mixer;
    std::unique_ptr<Meter> meter;
    std::unique_ptr<Loudness> loudness;
};

Recorder::Recorder(Catalog& catalog, const Clock& clock, RecorderSettings settings)
    : catalog_(catalog), clock_(clock), settings_(std::move(settings)) {}

Recorder::~Recorder() {
    stop_.store(true);
    unpark(park_req_.load());  // never leave the worker parked
    if (thread_.joinable()) thread_.join();
    if (source_) source_->stop();
}

std::int64_t Recorder::recorded_ms() const { return frames_recorded_.load() * 1000 / rate_; }

std::string Recorder::fault() const {
    std::lock_guard<std::mutex> lock(fault_mutex_);
    return fault_;
}

void Recorder::set_fault(const std::string& why) {
    std::lock_guard<std::mutex> lock(fault_mutex_);
    if (fault_.empty()) fault_ = why;
}

const Story& Recorder::start(AudioSource& source, const NewStory& story, const StartOptions& options) {
    return start_impl(source, story, options);
}

const Story& Recorder::start(std::unique_ptr<AudioSource> source, const NewStory& story, const StartOptions& options) {
    if (!source) throw Error("no audio source to record from");
    AudioSource& s = *source;
    const Story& out = start_impl(s, story, options);
    owned_source_ = std::move(source);
    return out;
}

const Story& Recorder::start_impl(AudioSource& source, const NewStory& requested, const StartOptions& options) {
    if (phase_ != Phase::idle) throw Error("this recorder has already recorded a story");
    const SourceFormat fmt = source.format();
    fmt_ = fmt;
    rate_ = fmt.sample_rate;
    NewStory ns = requested;
    ns.channels = fmt.channels;
    ns.sample_rate = fmt.sample_rate;
    ns.bitrate = settings_.bitrate;
    ns.created_at = iso8601_utc(clock_.now());
    ns.clock_trusted = clock_.trusted();
    story_ = catalog_.create_story(ns);

    const fs::path dir = layout::story_dir(settings_.data_dir, story_.id);
    try {
        make_dirs_durable(dir);
        writers_ = std::make_unique<Writers>();
        writers_->mixer = std::make_unique<Mixer>(fmt.channels);
        writers_->meter = std::make_unique<Meter>(fmt.channels);
        writers_->loudness = std::make_unique<Loudness>(writers_->mixer->output_channels(), fmt.sample_rate);
        OpusSettings os;
        os.channels = writers_->mixer->output_channels();
        os.input_rate = fmt.sample_rate;
        os.bitrate = settings_.bitrate;
        os.complexity = settings_.complexity;
        writers_->opus = std::make_unique<OpusWriter>(dir / layout::kListening, os,
                                                      story_tags(story_, booth_name(catalog_), false, {}));
        if (settings_.master)
            writers_->master = std::make_unique<FlacWriter>(dir / layout::kMaster, fmt.channels, fmt.sample_rate);
        fsync_dir(dir);

        // The pre-roll buffer, allocated here so the worker never allocates. One chunk (20 ms)
        // more than the pre-roll: begin() may land while the worker holds a chunk read past it.
        const std::size_t chunk = static_cast<std::size_t>(rate_ / 50);
        if (options.armed) {
            const double pre = std::isfinite(options.preroll_seconds) ? std::max(0.0, options.preroll_seconds) : 0.0;
            preroll_frames_ = static_cast<std::size_t>(std::llround(pre * rate_));
            preroll_.assign((preroll_frames_ + chunk) * static_cast<std::size_t>(fmt.channels), 0);
        }
        armed_.store(options.armed);

        ring_frames_ = static_cast<std::size_t>(settings_.ring_seconds * fmt.sample_rate);
        sink_ = std::make_unique<CaptureSink>(fmt.channels, ring_frames_);
        source_ = &source;
        source_name_ = source.name();
        source_is_device_ = source.is_device();
        source.start(*sink_);
    } catch (...) {
        // Nothing was captured: leave no half-made story behind.
        writers_.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
        try {
            catalog_.purge(story_.id);
        } catch (const std::exception& e) {
            spdlog::error("could not remove the unstarted story {}: {}", story_.code, e.what());
        }
        source_ = nullptr;
        throw;
    }
    spdlog::info("{} story {} ({}) from {} at {} Hz, {} channel(s)", options.armed ? "armed for" : "recording",
                 story_.code, story_.id, source.name(), fmt.sample_rate, fmt.channels);
    phase_ = Phase::running;
    alive_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count());
    thread_ = std::thread([this] { worker(); });
    return story_;
}

void Recorder::begin() {
    if (phase_ != Phase::running) throw Error("begin() without a recording in progress");
    if (!armed_.load() || begin_at_.load() >= 0) return;
    begin_at_.store(static_cast<std::int64_t>(sink_->frames_pushed()));
}

void Recorder::add_marker(const std::string& text) {
    catalog_.add_marker(story_.id, Marker{recorded_ms(), text});
}

// ---- the park handshake (caller side) ----

std::uint64_t Recorder::request_park() {
    const std::uint64_t g = park_req_.load() + 1;
    park_req_.store(g, std::memory_order_release);
    return g;
}

bool Recorder::wait_parked(std::uint64_t request) {
    for (;;) {
        if (park_ack_.load(std::memory_order_acquire) == request) return true;
        if (done_.load(std::memory_order_acquire)) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void Recorder::release_source() {
    if (phase_ != Phase::running) throw Error("no recording in progress");
    if (source_) source_->stop();
    const std::uint64_t g = request_park();
    const bool parked = wait_parked(g);
    device_lost_.store(true);
    source_ = nullptr;
    owned_source_.reset();
    unpark(g);
    (void)parked;
}

void Recorder::replace_source(std::unique_ptr<AudioSource> source) {
    if (!source) throw Error("no audio source to continue from");
    AudioSource& s = *source;
    replace_impl(s, std::move(source));
}

void Recorder::replace_source(AudioSource& source) { replace_impl(source, nullptr); }

void Recorder::replace_impl(AudioSource& source, std::unique_ptr<AudioSource> owned) {
    if (phase_ != Phase::running || done_.load()) throw Error("the recording has already ended");
    const SourceFormat f = source.format();
    if (f.channels != fmt_.channels || f.sample_rate != fmt_.sample_rate)
        throw Error("the microphone '" + source.name() + "' delivers " + std::to_string(f.channels) + " channel(s) at " +
                    std::to_string(f.sample_rate) + " Hz, but this recording is " + std::to_string(fmt_.channels) +
                    " channel(s) at " + std::to_string(fmt_.sample_rate) +
                    " Hz; connect the same microphone (or one of the same kind) to continue");

    // The old capture thread first: nothing more reaches the old ring. Then the worker drains it
    // and parks; only then is the sink swapped.
    if (source_) source_->stop();
    const std::uint64_t g = request_park();
    if (!wait_parked(g)) {
        unpark(g);
        throw Error("the recording has already ended");
    }

    retired_overflows_ += sink_->overflows();
    retired_dropped_ += sink_->frames_dropped();
    retired_sinks_.push_back(std::move(sink_));
    std::unique_ptr<AudioSource> old_owned = std::move(owned_source_);
    if (old_owned.get() == &source) owned = std::move(old_owned);  // the same source, started again
    old_owned.reset();
    source_ = nullptr;

    sink_ = std::make_unique<CaptureSink>(fmt_.channels, ring_frames_);
    try {
        source.start(*sink_);
    } catch (...) {
        device_lost_.store(true);  // still without a microphone; the recording keeps waiting
        unpark(g);
        throw;
    }
    source_ = &source;
    owned_source_ = std::move(owned);
    source_name_ = source.name();
    source_is_device_ = source.is_device();
    device_lost_.store(false);
    unpark(g);
    spdlog::info("story {}: recording continues from {}", story_.code, source_name_);
}

// ---- the worker ----

void Recorder::worker() {
    const int ch = fmt_.channels;
    const std::size_t uch = static_cast<std::size_t>(ch);
    const int out_ch = writers_->mixer->output_channels();
    const std::size_t chunk = static_cast<std::size_t>(rate_ / 50);  // 20 ms
    std::vector<std::int16_t> in(chunk * uch);
    std::vector<float> mixed(chunk * static_cast<std::size_t>(out_ch));
    const std::int64_t max_frames =
        settings_.max_seconds ? static_cast<std::int64_t>(*settings_.max_seconds * rate_) : INT64_MAX;
    const auto sync_every = std::chrono::duration<double>(settings_.sync_interval_s);
    const auto watchdog = std::chrono::duration<double>(settings_.watchdog_s);
    // Levels go out every 100 ms of captured audio (paused or not): ten a second at real time.
    const std::int64_t levels_every = rate_ / 10;
    std::int64_t metered = 0;
    auto watch_from = steady::now();  // the watchdog counts from here when nothing was pushed since
    auto last_sync = watch_from;
    std::int64_t durable_frames = 0;  // recorded frames known to be on disk at the last sync
    bool dirty = false;
    bool draining = false;

    CaptureSink* reading = sink_.get();
    std::int64_t consumed = 0;  // frames read from `reading`
    bool armed = armed_.load();
    // Pre-roll ring (frames): the newest `held` frames end just before `head`.
    const std::size_t pre_cap = armed ? preroll_.size() / uch : 0;
    std::size_t pre_head = 0;
    std::size_t pre_held = 0;

    bool sync_failed = false;
    auto durable_sync = [&](steady::time_point now) {
        if (!dirty) {
            last_sync = now;
            return;
        }
        const double gap = std::chrono::duration<double, std::milli>(now - last_sync).count();
        const std::int64_t recorded = frames_recorded_.load(std::memory_order_relaxed);
        max_sync_gap_ms_ = std::max(max_sync_gap_ms_, gap);
        max_exposure_ms_ = std::max(max_exposure_ms_, static_cast<double>(recorded - durable_frames) * 1000.0 / rate_);
        // A failed sync means what was written may not survive a power cut: end the recording
        // with the writer's sticky reason, like a failed write.
        if (!writers_->opus->sync()) {
            set_fault(writers_->opus->error());
            sync_failed = true;
        }
        if (writers_->master && !writers_->master->sync()) {
            set_fault(writers_->master->error());
            sync_failed = true;
        }
        // What the listening copy holds on disk now, in recorded frames.
        const std::int64_t g = writers_->opus->last_granule();
        durable_frames = g > 0 ? g * rate_ / 48000 : 0;
        last_sync = now;
        dirty = false;
    };

    // Writes up to one chunk of frames into both files. False on a write error (fault set).
    auto record = [&](const std::int16_t* frames, std::size_t n) -> bool {
        if (writers_->master && !writers_->master->write(frames, n)) {
            set_fault(writers_->master->error());
            return false;
        }
        writers_->mixer->mix(frames, mixed.data(), n);
        writers_->loudness->add(mixed.data(), n);
        if (!writers_->opus->write(mixed.data(), static_cast<int>(n))) {
            set_fault(writers_->opus->error());
            return false;
        }
        frames_recorded_.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
        dirty = true;
        return true;
    };

    auto keep_preroll = [&](const std::int16_t* frames, std::size_t n) {
        if (pre_cap == 0) return;
        for (std::size_t done = 0; done < n;) {
            const std::size_t part = std::min(n - done, pre_cap - pre_head);
            std::copy(frames + done * uch, frames + (done + part) * uch, preroll_.begin() + static_cast<std::ptrdiff_t>(pre_head * uch));
            pre_head = (pre_head + part) % pre_cap;
            done += part;
        }
        pre_held = std::min(pre_held + n, pre_cap);
    };

    // begin(): the pre-roll (the last preroll_frames_ before the cut) and whatever was read past
    // the cut go into the files, oldest first. False on a write error.
    auto flush_preroll = [&](std::int64_t cut) -> bool {
        const std::size_t past = static_cast<std::size_t>(std::max<std::int64_t>(0, consumed - cut));
        std::size_t k = std::min(pre_held, preroll_frames_ + past);
        k = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(k), max_frames));
        std::size_t pos = (pre_head + pre_cap - k) % std::max<std::size_t>(pre_cap, 1);
        bool ok = true;
        for (std::size_t left = k; left > 0 && ok;) {
            const std::size_t part = std::min({left, chunk, pre_cap - pos});
            ok = record(&preroll_[pos * uch], part);
            pos = (pos + part) % pre_cap;
            left -= part;
        }
        armed = false;
        armed_.store(false);
        pre_held = 0;
        return ok;
    };

    auto park = [&]() {
        const std::uint64_t g = park_req_.load(std::memory_order_acquire);
        durable_sync(steady::now());
        park_ack_.store(g, std::memory_order_release);
        while (unpark_.load(std::memory_order_acquire) != g) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (sink_.get() != reading) {
            reading = sink_.get();
            consumed = 0;
        }
        watch_from = steady::now();
    };

    // The device is gone: keep what was written (durably) and wait for a new one.
    auto wait_for_device = [&](steady::time_point now, const std::string& why) {
        durable_sync(now);
        device_lost_.store(true);
        spdlog::warn("story {}: {}; waiting for the microphone", story_.code, why);
    };

    const auto mark_alive = [this](steady::time_point t) {
        alive_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(),
                        std::memory_order_relaxed);
    };

    for (;;) {
        if (sync_failed) break;
        const auto now = steady::now();
        if (armed) {
            const std::int64_t cut = begin_at_.load();
            if (cut >= 0 && consumed >= cut && !flush_preroll(cut)) break;
        }
        if (park_req_.load(std::memory_order_acquire) != park_ack_.load(std::memory_order_relaxed) &&
            (device_lost_.load() || reading->ring().read_available() == 0)) {
            mark_alive(now);
            park();
            continue;
        }
        if (device_lost_.load()) {
            // Reads nothing until replace_source(); pausing, markers and stopping still work.
            mark_alive(now);
            if (stop_.load()) break;
            if (now - last_sync >= sync_every) durable_sync(now);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        std::size_t avail = reading->ring().read_available() / uch;
        const std::int64_t left = max_frames - frames_recorded_.load(std::memory_order_relaxed);
        if (left <= 0 && !armed) break;
        if (armed) {
            // Read up to the cut exactly; the pre-roll goes in at the top of the loop.
            const std::int64_t cut = begin_at_.load();
            if (cut >= 0 && cut <= consumed) continue;
            if (cut >= 0) avail = std::min(avail, static_cast<std::size_t>(cut - consumed));
        }
        if (avail == 0) {
            if (draining || stop_.load()) break;
            const SourceStatus st = reading->status();
            if (st == SourceStatus::ended) break;
            if (st == SourceStatus::device_lost) {
                const std::string why = "the microphone '" + source_name_ + "' stopped working";
                if (settings_.wait_for_device) {
                    wait_for_device(now, why);
                    continue;
                }
                set_fault(why + "; what was recorded is kept");
                break;
            }
            if (source_is_device_) {
                const std::int64_t last_ns = reading->last_push_ns();
                const auto last = steady::time_point(std::chrono::duration_cast<steady::duration>(std::chrono::nanoseconds(last_ns)));
                if (now - std::max(last, watch_from) > watchdog) {
                    const std::string why = "the microphone '" + source_name_ + "' sent no sound for " +
                                            std::to_string(static_cast<int>(settings_.watchdog_s)) + " s";
                    if (settings_.wait_for_device) {
                        wait_for_device(now, why);
                        continue;
                    }
                    set_fault(why + "; what was recorded is kept");
                    break;
                }
            }
            if (now - last_sync >= sync_every) durable_sync(now);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        if (stop_.load()) draining = true;  // keep what the ring already holds, then end

        std::size_t n = std::min(avail, chunk);
        if (!armed) n = std::min(n, static_cast<std::size_t>(left));
        reading->ring().read(in.data(), n * uch);
        consumed += static_cast<std::int64_t>(n);
        mark_alive(now);
        writers_->meter->add(in.data(), n);
        if (armed) {
            keep_preroll(in.data(), n);
        } else if (!paused_.load(std::memory_order_relaxed)) {
            if (!record(in.data(), n)) break;
        }
        metered += static_cast<std::int64_t>(n);
        if (metered >= levels_every) {
            metered -= levels_every;
            Levels lv = writers_->meter->take();
            if (listener_) listener_(lv, recorded_ms());
        }
        if (now - last_sync >= sync_every) durable_sync(now);
    }
    done_.store(true, std::memory_order_release);
}

// ---- the end ----

void Recorder::stop_worker_and_source() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    forget_source();
}

// Stops the source and lets go of it: once a recording has ended the recorder never touches its
// source again, so the caller may destroy a source it lent as soon as finish() or abort() returns.
void Recorder::forget_source() {
    if (source_) source_->stop();
    source_ = nullptr;
    owned_source_.reset();
}

Recorder::Closed Recorder::close_writers() {
    Closed c;
    if (frames_recorded_.load() == 0 && !writers_->opus->failed()) {
        // No audio reached the encoder: libopusenc 0.2.1 fails an assertion when such an encoder
        // is drained (xiph/libopusenc#24), so it is let go without draining. The file keeps the
        // headers it was created with (already durable): a story with nothing captured.
        writers_->opus.reset();
    } else {
        c.opus_ok = writers_->opus->finish();
        if (!c.opus_ok) set_fault(writers_->opus->error());
    }
    c.master_ok = !writers_->master || writers_->master->finish();
    if (!c.master_ok) set_fault(writers_->master->error());
    return c;
}

RecordOutcome Recorder::finish(FinishMode mode) {
    if (phase_ != Phase::running) throw Error("finish() without a recording in progress");
    if (thread_.joinable()) thread_.join();
    forget_source();
    phase_ = Phase::finished;

    RecordOutcome out;
    const Closed closed = close_writers();
    const bool opus_ok = closed.opus_ok;
    const bool master_ok = closed.master_ok;

    FinaliseInput fin;
    fin.state = "complete";
    fin.ended_at = iso8601_utc(clock_.now());
    const std::string why = fault();
    fin.note = why;
    fin.clean = opus_ok && master_ok;
    // After a write error the running measurement covers audio that may not be on disk.
    if (opus_ok) {
        fin.lufs = writers_->loudness->integrated_lufs();
        fin.true_peak_dbtp = writers_->loudness->true_peak_dbtp();
    }

    const fs::path dir = layout::story_dir(settings_.data_dir, story_.id);
    if (mode == FinishMode::finalise) {
        out.story = finalise_story(catalog_, settings_.data_dir, story_.id, fin);
        for (const auto& f : out.story.files) {
            if (f.kind == "listening") out.opus = settings_.data_dir / f.path;
            if (f.kind == "master") out.master = settings_.data_dir / f.path;
        }
        out.duration_ms = out.story.duration_ms.value_or(0);
    } else {
        // Held for review: whole, playable files now; tags, hashes and the catalog at save.
        const fs::path opus = dir / layout::kListening;
        const fs::path master = dir / layout::kMaster;
        bool has_audio = false;
        std::int64_t samples = 0;
        bool has_master = false;
        if (fin.clean) {
            std::error_code ec;
            if (fs::exists(opus, ec)) {
                samples = ogg::inspect(opus).samples_48k;
                has_audio = samples > 0;
            }
            has_master = fs::exists(master, ec);
        } else {
            const RepairedFiles r = repair_story_files(settings_.data_dir, story_.id, story_.code);
            has_audio = r.has_audio;
            samples = r.samples_48k;
            has_master = r.master_ok;
            if (has_audio && !fin.lufs) {
                const FileLoudness m = measure_opus_loudness(opus);
                fin.lufs = m.lufs;
                fin.true_peak_dbtp = m.true_peak_dbtp;
            }
        }
        if (has_audio) out.opus = opus;
        if (has_master) out.master = master;
        out.duration_ms = samples / 48;
        out.story = catalog_.get(story_.id).value_or(story_);
        out.held = fin;
    }
    out.overflows = retired_overflows_ + sink_->overflows();
    out.frames_dropped = retired_dropped_ + sink_->frames_dropped();
    out.fault = why;
    out.max_sync_gap_ms = max_sync_gap_ms_;
    out.max_exposure_ms = max_exposure_ms_;
    spdlog::info("story {} {}: {} ms, overflows {}{}", out.story.code, mode == FinishMode::hold ? "held for review" : "saved",
                 out.duration_ms, out.overflows, why.empty() ? "" : " (" + why + ")");
    return out;
}

void Recorder::abort() {
    if (phase_ != Phase::running) throw Error("abort() without a recording in progress");
    stop_worker_and_source();
    phase_ = Phase::finished;
    close_writers();
    writers_.reset();
    discard_story(catalog_, settings_.data_dir, story_.id);
    spdlog::info("story {} abandoned before recording; removed", story_.code);
}

}  // namespace sb
