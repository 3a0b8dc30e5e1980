#include "record/recorder.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "dsp/loudness.hpp"
#include "dsp/mixer.hpp"
#include "encode/flac_writer.hpp"
#include "encode/opus_writer.hpp"
#include "record/finalise.hpp"
#include "record/layout.hpp"

#include <algorithm>
#include <chrono>
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

const Story& Recorder::start(AudioSource& source, const NewStory& requested) {
    const SourceFormat fmt = source.format();
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

        const auto ring_frames = static_cast<std::size_t>(settings_.ring_seconds * fmt.sample_rate);
        sink_ = std::make_unique<CaptureSink>(fmt.channels, ring_frames);
        source_ = &source;
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
    spdlog::info("recording story {} ({}) from {} at {} Hz, {} channel(s)", story_.code, story_.id, source.name(),
                 fmt.sample_rate, fmt.channels);
    thread_ = std::thread([this] { worker(); });
    return story_;
}

void Recorder::add_marker(const std::string& text) {
    catalog_.add_marker(story_.id, Marker{recorded_ms(), text});
}

void Recorder::worker() {
    const int ch = sink_->channels();
    const int out_ch = writers_->mixer->output_channels();
    const std::size_t chunk = static_cast<std::size_t>(rate_ / 50);  // 20 ms
    std::vector<std::int16_t> in(chunk * static_cast<std::size_t>(ch));
    std::vector<float> mixed(chunk * static_cast<std::size_t>(out_ch));
    const std::int64_t max_frames =
        settings_.max_seconds ? static_cast<std::int64_t>(*settings_.max_seconds * rate_) : INT64_MAX;
    const auto sync_every = std::chrono::duration<double>(settings_.sync_interval_s);
    // Levels go out every 100 ms of captured audio (paused or not): ten a second at real time.
    const std::int64_t levels_every = rate_ / 10;
    std::int64_t metered = 0;
    const auto started = steady::now();
    auto last_sync = started;
    std::int64_t durable_frames = 0;  // recorded frames known to be on disk at the last sync
    bool dirty = false;
    bool draining = false;

    auto durable_sync = [&](steady::time_point now) {
        if (!dirty) {
            last_sync = now;
            return;
        }
        const double gap = std::chrono::duration<double, std::milli>(now - last_sync).count();
        const std::int64_t recorded = frames_recorded_.load(std::memory_order_relaxed);
        max_sync_gap_ms_ = std::max(max_sync_gap_ms_, gap);
        max_exposure_ms_ = std::max(max_exposure_ms_, static_cast<double>(recorded - durable_frames) * 1000.0 / rate_);
        bool ok = writers_->opus->sync();
        if (writers_->master) ok = writers_->master->sync() && ok;
        // What the listening copy holds on disk now, in recorded frames.
        const std::int64_t g = writers_->opus->last_granule();
        durable_frames = g > 0 ? g * rate_ / 48000 : 0;
        last_sync = now;
        dirty = false;
        (void)ok;
    };

    for (;;) {
        const auto now = steady::now();
        const std::size_t avail = sink_->ring().read_available() / static_cast<std::size_t>(ch);
        const std::int64_t left = max_frames - frames_recorded_.load(std::memory_order_relaxed);
        if (left <= 0) break;
        if (avail == 0) {
            if (draining || stop_.load()) break;
            const SourceStatus st = sink_->status();
            if (st == SourceStatus::ended) break;
            if (st == SourceStatus::device_lost) {
                set_fault("the microphone '" + source_->name() + "' stopped working; what was recorded is kept");
                break;
            }
            if (source_->is_device()) {
                const std::int64_t last = sink_->last_push_ns();
                const auto since = last ? now.time_since_epoch() - std::chrono::nanoseconds(last) : now - started;
                if (since > std::chrono::duration<double>(settings_.watchdog_s)) {
                    set_fault("the microphone '" + source_->name() + "' sent no sound for " +
                              std::to_string(static_cast<int>(settings_.watchdog_s)) + " s; what was recorded is kept");
                    break;
                }
            }
            if (now - last_sync >= sync_every) durable_sync(now);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        if (stop_.load()) draining = true;  // keep what the ring already holds, then end

        const std::size_t n = std::min({avail, chunk, static_cast<std::size_t>(left)});
        sink_->ring().read(in.data(), n * static_cast<std::size_t>(ch));
        writers_->meter->add(in.data(), n);
        if (!paused_.load(std::memory_order_relaxed)) {
            if (writers_->master && !writers_->master->write(in.data(), n)) {
                set_fault(writers_->master->error());
                break;
            }
            writers_->mixer->mix(in.data(), mixed.data(), n);
            writers_->loudness->add(mixed.data(), n);
            if (!writers_->opus->write(mixed.data(), static_cast<int>(n))) {
                set_fault(writers_->opus->error());
                break;
            }
            frames_recorded_.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
            dirty = true;
        }
        metered += static_cast<std::int64_t>(n);
        if (metered >= levels_every) {
            metered -= levels_every;
            Levels lv = writers_->meter->take();
            if (listener_) listener_(lv, recorded_ms());
        }
        if (now - last_sync >= sync_every) durable_sync(now);
    }
    done_.store(true);
}

RecordOutcome Recorder::finish() {
    if (thread_.joinable()) thread_.join();
    if (source_) source_->stop();

    RecordOutcome out;
    const bool opus_ok = writers_->opus->finish();
    if (!opus_ok) set_fault(writers_->opus->error());
    const bool master_ok = !writers_->master || writers_->master->finish();
    if (!master_ok) set_fault(writers_->master->error());

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
    out.story = finalise_story(catalog_, settings_.data_dir, story_.id, fin);
    for (const auto& f : out.story.files) {
        if (f.kind == "listening") out.opus = settings_.data_dir / f.path;
        if (f.kind == "master") out.master = settings_.data_dir / f.path;
    }
    out.overflows = sink_->overflows();
    out.frames_dropped = sink_->frames_dropped();
    out.fault = why;
    out.max_sync_gap_ms = max_sync_gap_ms_;
    out.max_exposure_ms = max_exposure_ms_;
    spdlog::info("story {} saved: {} ms{}", out.story.code, out.story.duration_ms.value_or(0),
                 why.empty() ? "" : " (" + why + ")");
    return out;
}

}  // namespace sb
