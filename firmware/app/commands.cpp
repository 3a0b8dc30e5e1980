#include "app/commands.hpp"

#include "capture/file_source.hpp"
#include "capture/portaudio_source.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "record/layout.hpp"
#include "record/recorder.hpp"
#include "record/recovery.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sndfile.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace sb::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_stop_signal(int) { g_stop.store(true); }

json optional_number(const std::optional<double>& v) {
    if (!v) return nullptr;
    return std::round(*v * 100.0) / 100.0;
}

json story_json(const Story& s, const fs::path& data_dir, std::uint64_t overflows) {
    json j;
    j["id"] = s.id;
    j["code"] = s.code;
    j["state"] = s.state;
    j["duration_ms"] = s.duration_ms.value_or(0);
    j["opus"] = nullptr;
    j["master"] = nullptr;
    for (const auto& f : s.files) {
        const std::string p = fs::absolute(data_dir / f.path).lexically_normal().string();
        if (f.kind == "listening") j["opus"] = p;
        if (f.kind == "master") j["master"] = p;
    }
    j["lufs"] = optional_number(s.lufs);
    j["true_peak_dbtp"] = optional_number(s.true_peak_dbtp);
    j["overflows"] = overflows;
    j["note"] = s.note;
    return j;
}

Catalog open_catalog(const fs::path& data) {
    make_dirs_durable(data);
    return Catalog::open(layout::catalog_file(data));
}

}  // namespace

bool stop_requested() { return g_stop.load(); }

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    // A file-size limit must surface as a write error (EFBIG), not kill the recording; a
    // client that hangs up must not kill the daemon.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
}

int cmd_devices(const DevicesOptions& o) {
    PortAudioSystem pa;
    const auto devices = list_capture_devices();
    if (o.json) {
        json arr = json::array();
        for (const auto& d : devices)
            arr.push_back({{"name", d.name},
                           {"host_api", d.host_api},
                           {"input_channels", d.input_channels},
                           {"opens_48000", d.opens_48000},
                           {"opens_44100", d.opens_44100}});
        std::cout << arr.dump(2) << "\n";
        return 0;
    }
    if (devices.empty()) {
        std::cout << "No microphones found. Plug in a USB microphone or audio interface and run this again.\n";
        return 0;
    }
    std::printf("%-40s %-8s %-8s %-8s\n", "NAME", "INPUTS", "48000Hz", "44100Hz");
    for (const auto& d : devices)
        std::printf("%-40s %-8d %-8s %-8s\n", d.name.c_str(), d.input_channels, d.opens_48000 ? "yes" : "no",
                    d.opens_44100 ? "yes" : "no");
    return 0;
}

int cmd_record(const RecordOptions& o) {
    std::unique_ptr<AudioSource> source;
    std::optional<double> seconds = o.seconds;
    if (!o.input.empty()) {
        source = std::make_unique<FileSource>(o.input, o.channels, o.realtime);
    } else {
        source = std::make_unique<PortAudioSource>(o.device, o.channels);
    }
    const SourceFormat fmt = source->format();

    Catalog catalog = open_catalog(o.data);

    // Refuse a story the disk cannot finish: the planned length (the file's length, --seconds,
    // or the booth's 40-minute limit) plus a reserve.
    double planned = seconds.value_or(40 * 60);
    if (!o.input.empty() && !o.realtime && !seconds) {
        SF_INFO info{};
        if (SNDFILE* f = sf_open(o.input.c_str(), SFM_READ, &info)) {
            planned = static_cast<double>(info.frames) / info.samplerate;
            sf_close(f);
        }
    }
    const bool master = o.master == "flac";
    const auto need = static_cast<std::uint64_t>(planned * layout::bytes_per_second(o.bitrate, master, fmt.channels, fmt.sample_rate)) +
                      layout::kReserveBytes;
    const std::uint64_t have = free_bytes(o.data);
    if (have < need)
        throw Error("not enough free space in " + o.data.string() + " for this recording: " + std::to_string(have >> 20) +
                    " MB free, " + std::to_string(need >> 20) + " MB needed; free some space or record less");

    SystemClock clock;
    RecorderSettings rs;
    rs.data_dir = o.data;
    rs.bitrate = o.bitrate;
    rs.master = master;
    rs.max_seconds = seconds;
    Recorder recorder(catalog, clock, rs);
    NewStory ns;
    ns.title = o.title;
    recorder.start(*source, ns);
    while (!recorder.done()) {
        if (g_stop.load()) recorder.request_stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    RecordOutcome out = recorder.finish();

    if (o.json) {
        json j = story_json(out.story, o.data, out.overflows);
        j["fault"] = out.fault.empty() ? json(nullptr) : json(out.fault);
        j["frames_dropped"] = out.frames_dropped;
        j["max_sync_gap_ms"] = std::round(out.max_sync_gap_ms);
        j["max_exposure_ms"] = std::round(out.max_exposure_ms);
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("Saved story %s (%s), %.1f s.\n", out.story.code.c_str(), out.story.state.c_str(),
                    out.story.duration_ms.value_or(0) / 1000.0);
        if (!out.opus.empty()) std::printf("  listening copy: %s\n", fs::absolute(out.opus).c_str());
        if (out.master) std::printf("  master:         %s\n", fs::absolute(*out.master).c_str());
        if (!out.opus.empty()) std::printf("  play it with:   opusdec --quiet %s - | aplay   (or any player that knows Opus)\n",
                                           fs::absolute(out.opus).c_str());
        if (!out.fault.empty()) std::printf("  note: %s\n", out.fault.c_str());
    }
    // A story cut short by a fault is saved, but the run did not do what was asked.
    return out.fault.empty() ? 0 : 3;
}

int cmd_recover(const RecoverOptions& o) {
    if (!fs::exists(layout::catalog_file(o.data)))
        throw Error("no catalog in " + o.data.string() + " (is this the booth's data folder?)");
    Catalog catalog = open_catalog(o.data);
    RecoveryReport r = recover_stories(catalog, o.data);
    if (o.json) {
        json arr = json::array();
        for (const auto& s : r.recovered) arr.push_back(story_json(s, o.data, 0));
        std::cout << arr.dump(2) << "\n";
        return 0;
    }
    if (r.recovered.empty() && r.orphans.empty() && r.deletions_finished.empty()) {
        std::cout << "Nothing to recover: every story is complete.\n";
        return 0;
    }
    for (const auto& s : r.recovered)
        std::printf("Recovered story %s: %.1f s%s%s\n", s.code.c_str(), s.duration_ms.value_or(0) / 1000.0,
                    s.note.empty() ? "" : " — ", s.note.c_str());
    for (const auto& p : r.orphans) std::printf("Kept an unknown story folder at %s\n", p.c_str());
    for (const auto& id : r.deletions_finished) std::printf("Finished deleting story %s\n", id.c_str());
    return 0;
}

}  // namespace sb::app
