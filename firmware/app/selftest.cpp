// storybooth selftest and storybooth info.
#include "app/selftest.hpp"

#include "api/context.hpp"
#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "config/settings.hpp"
#include "encode/flac_writer.hpp"
#include "encode/opus_writer.hpp"
#include "feed/feed.hpp"
#include "record/layout.hpp"

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opusfile.h>
#include <portaudio.h>
#include <sndfile.h>
#include <sqlite3.h>
#include <unistd.h>
#include <vector>

namespace sb::app {

namespace {

namespace fs = std::filesystem;

enum class Outcome { ok, warning, failed };

struct Check {
    std::string name;
    Outcome outcome = Outcome::ok;
    std::string detail;
};

const char* to_string(Outcome o) {
    switch (o) {
        case Outcome::ok: return "ok";
        case Outcome::warning: return "warning";
        case Outcome::failed: return "failed";
    }
    return "failed";
}

Settings settings_for(const fs::path& config, const std::optional<fs::path>& data) {
    Settings s;
    if (!config.empty()) load_config_file(s, config);
    if (data) s.data = *data;
    return s;
}

// A folder of our own under the system's temp folder, removed at the end.
class Scratch {
public:
    Scratch() {
        std::string tmpl = (fs::temp_directory_path() / "storybooth-selftest-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw IoError("cannot make a temporary folder under " + fs::temp_directory_path().string(), errno);
        path_ = tmpl;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

constexpr int kRate = 48000;
constexpr double kToneHz = 1000.0;
constexpr double kAmplitude = 0.5;

// Runs one check; whatever it throws fails it, with the error as the detail.
template <class Body>
Check guarded(std::string name, Body body) {
    Check c{std::move(name), Outcome::ok, ""};
    try {
        body(c);
    } catch (const std::exception& e) {
        c.outcome = Outcome::failed;
        c.detail = e.what();
    }
    return c;
}

// Energy at `hz` against all the energy of `x` (Goertzel): near 1 for a clean tone.
double tone_purity(const std::vector<float>& x, double hz, int rate) {
    const double w = 2.0 * M_PI * hz / rate;
    const double c = 2.0 * std::cos(w);
    double s1 = 0, s2 = 0, total = 0;
    for (float v : x) {
        const double s0 = v + c * s1 - s2;
        s2 = s1;
        s1 = s0;
        total += static_cast<double>(v) * v;
    }
    const double power = s1 * s1 + s2 * s2 - c * s1 * s2;  // |X(hz)|^2
    if (total <= 0) return 0;
    return 2.0 * power / (static_cast<double>(x.size()) * total);
}

Check check_catalog(const Settings& s, const fs::path& scratch) {
    return guarded("catalog", [&](Check& c) {
        const fs::path db = layout::catalog_file(s.data);
        std::error_code ec;
        if (fs::exists(db, ec)) {
            // The booth's own catalog: read only, so a running booth is not disturbed.
            sqlite3* h = nullptr;
            const std::string uri = "file:" + db.string() + "?mode=ro";
            if (sqlite3_open_v2(uri.c_str(), &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
                c.outcome = Outcome::failed;
                c.detail = db.string() + " does not open: " + (h ? sqlite3_errmsg(h) : "out of memory");
                sqlite3_close(h);
                return;
            }
            sqlite3_busy_timeout(h, 5000);
            std::string result;
            long long stories = -1;
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            else
                result = sqlite3_errmsg(h);
            sqlite3_finalize(st);
            if (sqlite3_prepare_v2(h, "SELECT count(*) FROM stories", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                stories = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
            sqlite3_close(h);
            if (result != "ok") {
                c.outcome = Outcome::failed;
                c.detail = db.string() + " failed its check: " + result;
            } else if (stories < 0) {
                c.outcome = Outcome::failed;
                c.detail = db.string() + " is not a storybooth catalog (it has no stories table)";
            } else {
                c.detail = db.string() + " is sound (" + std::to_string(stories) + " stories)";
            }
            return;
        }
        // No catalog yet: make one where it cannot harm anything, as the first start would.
        const fs::path dir = scratch / "catalog";
        make_dirs_durable(dir);
        Catalog cat = Catalog::open(layout::catalog_file(dir));
        const std::string ic = cat.integrity_check();
        if (ic != "ok") {
            c.outcome = Outcome::failed;
            c.detail = "a new catalog failed its check: " + ic;
        } else {
            c.detail = "a new catalog can be made (none yet in " + s.data.string() + ")";
        }
    });
}

Check check_opus(const fs::path& scratch) {
    return guarded("opus", [&](Check& c) {
        const fs::path file = scratch / "tone.opus";
        const int n = kRate;  // one second
        std::vector<float> tone(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) tone[static_cast<std::size_t>(i)] = static_cast<float>(kAmplitude * std::sin(2 * M_PI * kToneHz * i / kRate));
        {
            OpusSettings os;
            os.channels = 1;
            OpusWriter w(file, os, {{"TITLE", "selftest"}});
            if (!w.write(tone.data(), n) || !w.finish()) throw Error("encoding failed: " + w.error());
        }
        int err = 0;
        OggOpusFile* of = op_open_file(file.c_str(), &err);
        if (!of) throw Error("the encoded file does not decode (opusfile error " + std::to_string(err) + ")");
        std::vector<float> out;
        std::vector<float> buf(5760 * 2);
        for (;;) {
            const int got = op_read_float(of, buf.data(), static_cast<int>(buf.size()), nullptr);
            if (got < 0) {
                op_free(of);
                throw Error("decoding failed (opusfile error " + std::to_string(got) + ")");
            }
            if (got == 0) break;
            const int chans = op_channel_count(of, -1);
            for (int i = 0; i < got; ++i) out.push_back(buf[static_cast<std::size_t>(i * chans)]);
        }
        op_free(of);
        if (std::abs(static_cast<long>(out.size()) - n) > 960)
            throw Error("decoded " + std::to_string(out.size()) + " samples instead of " + std::to_string(n));
        // Leave out the encoder's start-up and the last frame.
        std::vector<float> mid(out.begin() + 4800, out.end() - 4800);
        double sum = 0;
        for (float v : mid) sum += static_cast<double>(v) * v;
        const double rms = std::sqrt(sum / static_cast<double>(mid.size()));
        const double want = kAmplitude / std::sqrt(2.0);
        const double db = 20 * std::log10(rms / want);
        const double purity = tone_purity(mid, kToneHz, kRate);
        char figures[80];
        std::snprintf(figures, sizeof figures, "level %+.2f dB, %.1f %% at 1 kHz", db, purity * 100);
        if (std::abs(db) > 1.0 || purity < 0.95) throw Error(std::string("the 1 kHz tone came back wrong: ") + figures);
        c.detail = std::string("a 1 kHz tone encodes and decodes (") + figures + ")";
    });
}

Check check_flac(const fs::path& scratch) {
    return guarded("flac", [&](Check& c) {
        const fs::path file = scratch / "tone.flac";
        const int n = kRate;
        std::vector<std::int16_t> in(static_cast<std::size_t>(n) * 2);
        for (int i = 0; i < n; ++i) {
            const double v = kAmplitude * 32767 * std::sin(2 * M_PI * kToneHz * i / kRate);
            in[static_cast<std::size_t>(2 * i)] = static_cast<std::int16_t>(std::lround(v));
            in[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::int16_t>(std::lround(-v / 2));
        }
        {
            FlacWriter w(file, 2, kRate);
            if (!w.write(in.data(), static_cast<std::size_t>(n)) || !w.finish()) throw Error("encoding failed: " + w.error());
        }
        SF_INFO info{};
        SNDFILE* sf = sf_open(file.c_str(), SFM_READ, &info);
        if (!sf) throw Error(std::string("the encoded file does not open: ") + sf_strerror(nullptr));
        std::vector<std::int16_t> out(in.size() + 2);
        const sf_count_t got = sf_readf_short(sf, out.data(), n + 1);
        sf_close(sf);
        if (info.channels != 2 || info.samplerate != kRate || got != n)
            throw Error("decoded " + std::to_string(got) + " frames of " + std::to_string(info.channels) + " channels at " +
                        std::to_string(info.samplerate) + " Hz instead of " + std::to_string(n) + " of 2 at 48000 Hz");
        out.resize(in.size());
        if (out != in) throw Error("the decoded samples differ from those encoded");
        c.detail = "a stereo tone encodes and decodes bit for bit";
    });
}

Check check_portaudio() {
    Check c{"audio", Outcome::ok, ""};
    const PaError e = Pa_Initialize();
    if (e != paNoError) {
        c.outcome = Outcome::failed;
        c.detail = std::string("PortAudio does not start: ") + Pa_GetErrorText(e);
        return c;
    }
    int inputs = 0;
    std::string names;
    const int count = Pa_GetDeviceCount();
    for (int i = 0; i < count; ++i) {
        const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
        if (!d || d->maxInputChannels <= 0) continue;
        ++inputs;
        if (!names.empty()) names += ", ";
        names += d->name;
    }
    Pa_Terminate();
    if (inputs == 0) {
        c.outcome = Outcome::warning;
        c.detail = "PortAudio works, but no microphone is connected";
    } else {
        c.detail = "PortAudio works; " + std::to_string(inputs) + " input device(s): " + names;
    }
    return c;
}

Check check_ui(const Settings& s) {
    Check c{"ui", Outcome::ok, ""};
    const fs::path root = api::ui_root(s);
    std::string missing;
    for (const char* f : {"booth/index.html", "admin/index.html", "common/api.js", "i18n/en.json"}) {
        std::error_code ec;
        if (!fs::is_regular_file(root / f, ec)) missing += std::string(missing.empty() ? "" : ", ") + f;
    }
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        c.outcome = Outcome::failed;
        c.detail = "the pages folder " + root.string() + " does not exist (set `ui` in the config file)";
    } else if (!missing.empty()) {
        c.outcome = Outcome::failed;
        c.detail = "the pages folder " + root.string() + " lacks " + missing;
    } else {
        c.detail = "the pages are in " + root.string();
    }
    return c;
}

Check check_data(const Settings& s) {
    Check c{"data", Outcome::ok, ""};
    const fs::path& dir = s.data;
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        c.outcome = Outcome::failed;
        c.detail = "the data folder " + dir.string() + " does not exist";
        return c;
    }
    if (!fs::is_directory(dir, ec)) {
        c.outcome = Outcome::failed;
        c.detail = "the data folder " + dir.string() + " is not a folder";
        return c;
    }
    const fs::path probe = dir / (".selftest-" + std::to_string(::getpid()));
    try {
        write_file_atomic(probe, "storybooth selftest\n");
        fs::remove(probe, ec);
    } catch (const std::exception& e) {
        c.outcome = Outcome::failed;
        c.detail = "the data folder " + dir.string() + " is not writable: " + e.what();
        return c;
    }
    try {
        const std::uint64_t free = free_bytes(dir);
        const int channels = s.channels > 0 ? s.channels : 2;
        const std::int64_t seconds = layout::recording_seconds_left(free, s.bitrate, s.master, channels, kRate);
        const double hours = static_cast<double>(seconds) / 3600.0;
        char msg[200];
        std::snprintf(msg, sizeof msg, "%s is writable; %.1f GB free, room for %.1f hours of recording",
                      dir.string().c_str(), static_cast<double>(free) / 1e9, hours);
        c.detail = msg;
        if (static_cast<double>(seconds) < s.time_limit_minutes * 60) {
            c.outcome = Outcome::failed;
            c.detail += ": not enough for one story of " + setting_value(s, "time-limit-minutes") + " minutes";
        }
    } catch (const std::exception& e) {
        c.outcome = Outcome::failed;
        c.detail = e.what();
    }
    return c;
}

}  // namespace

int cmd_selftest(const SelftestOptions& o) {
    Settings s = settings_for(o.config, o.data);
    if (o.ui) s.ui = *o.ui;

    std::vector<Check> checks;
    checks.push_back(check_data(s));
    {
        std::optional<Scratch> scratch;
        try {
            scratch.emplace();
        } catch (const std::exception& e) {
            checks.push_back({"temporary folder", Outcome::failed, e.what()});
        }
        if (scratch) {
            checks.push_back(check_catalog(s, scratch->path()));
            checks.push_back(check_opus(scratch->path()));
            checks.push_back(check_flac(scratch->path()));
        }
    }
    checks.push_back(check_portaudio());
    checks.push_back(check_ui(s));

    int failed = 0;
    for (const auto& c : checks) failed += c.outcome == Outcome::failed;
    if (o.json) {
        nlohmann::json j = {{"ok", failed == 0}, {"checks", nlohmann::json::array()}};
        for (const auto& c : checks)
            j["checks"].push_back({{"name", c.name}, {"result", to_string(c.outcome)}, {"detail", c.detail}});
        std::cout << j.dump(2) << "\n";
    } else {
        for (const auto& c : checks) std::cout << to_string(c.outcome) << "\t" << c.name << ": " << c.detail << "\n";
        if (failed == 0) std::cout << "The booth is ready.\n";
        else std::cout << failed << " problem(s) found; the booth cannot work until they are fixed.\n";
    }
    return failed == 0 ? 0 : 1;
}

int cmd_info(const InfoOptions& o) {
    const Settings s = settings_for(o.config, o.data);
    make_dirs_durable(s.data);
    Catalog cat = Catalog::open(layout::catalog_file(s.data));
    const std::string id = feed::booth_id(cat);
    // What the librarian saved wins over the config file, as in the daemon.
    const std::string name = cat.setting("booth_name", s.booth_name);
    const std::string code = cat.setting("booth_code", s.booth_code);
    if (o.json) {
        nlohmann::json j = {{"booth_id", id}, {"booth_name", name}, {"booth_code", code},
                            {"version", o.version}, {"listen", s.listen}, {"data", s.data.string()}, {"api", 1}};
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << "booth id:   " << id << "\nbooth name: " << name << "\nbooth code: " << code << "\nversion:    " << o.version
                  << "\nlisten:     " << s.listen << "\ndata:       " << s.data.string() << "\n";
    }
    return 0;
}

}  // namespace sb::app
