#include "record/finalise.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "dsp/loudness.hpp"
#include "record/layout.hpp"
#include "repair/flac_fix.hpp"
#include "repair/ogg.hpp"

#include <cerrno>
#include <cstdio>
#include <opusfile.h>
#include <spdlog/spdlog.h>
#include <vector>

namespace sb {

namespace fs = std::filesystem;

std::string chapter_time(std::int64_t ms) {
    if (ms < 0) ms = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", static_cast<long long>(ms / 3600000),
                  static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                  static_cast<long long>(ms % 1000));
    return buf;
}

std::string booth_name(const Catalog& catalog) { return catalog.setting("booth_name", "Story booth"); }

Tags story_tags(const Story& s, const std::string& booth, bool final, std::optional<double> lufs) {
    Tags t;
    t.emplace_back("TITLE", s.title.empty() ? "Story " + s.code : s.title);
    std::string artists;
    for (const auto& p : s.participants)
        if (!p.name.empty()) artists += (artists.empty() ? "" : ", ") + p.name;
    if (!artists.empty()) t.emplace_back("ARTIST", artists);
    if (s.created_at.size() >= 10) t.emplace_back("DATE", s.created_at.substr(0, 10));
    if (!s.description.empty()) t.emplace_back("DESCRIPTION", s.description);
    if (!s.language.empty()) t.emplace_back("LANGUAGE", s.language);
    t.emplace_back("STORY_CODE", s.code);
    t.emplace_back("STORY_ID", s.id);
    if (!booth.empty()) t.emplace_back("BOOTH", booth);
    for (const auto& k : s.keywords) t.emplace_back("KEYWORDS", k);
    if (final) {
        int n = 0;
        for (const auto& m : s.markers) {
            char key[32];
            std::snprintf(key, sizeof key, "CHAPTER%03d", ++n);
            t.emplace_back(key, chapter_time(m.offset_ms));
            t.emplace_back(std::string(key) + "NAME", m.text.empty() ? "Question " + std::to_string(n) : m.text);
        }
        if (lufs) t.emplace_back("R128_TRACK_GAIN", std::to_string(r128_gain_q78(*lufs)));
    }
    return t;
}

FileLoudness measure_opus_loudness(const fs::path& file) {
    FileLoudness out;
    int err = 0;
    OggOpusFile* of = op_open_file(file.c_str(), &err);
    if (!of) return out;
    const int ch = op_channel_count(of, -1);
    Loudness meter(ch, 48000);
    std::vector<float> pcm(5760 * 2);
    for (;;) {
        int n = op_read_float(of, pcm.data(), static_cast<int>(pcm.size()), nullptr);
        if (n <= 0) break;
        meter.add(pcm.data(), static_cast<std::size_t>(n));
    }
    op_free(of);
    out.lufs = meter.integrated_lufs();
    out.true_peak_dbtp = meter.true_peak_dbtp();
    return out;
}

RepairedFiles repair_story_files(const fs::path& data_dir, const std::string& id, const std::string& code) {
    RepairedFiles out;
    const fs::path dir = layout::story_dir(data_dir, id);
    const fs::path opus = dir / layout::kListening;
    const fs::path master = dir / layout::kMaster;
    if (fs::exists(opus)) {
        auto r = ogg::repair_opus_in_place(opus);
        out.has_audio = r.has_audio;
        out.samples_48k = r.samples_48k;
        if (r.changed) spdlog::info("story {}: listening copy repaired ({} ms kept)", code, r.samples_48k / 48);
    }
    if (fs::exists(master)) {
        try {
            auto r = flac::repair_flac_in_place(master);
            out.master_ok = r.has_audio;
            if (r.changed) spdlog::info("story {}: master repaired ({} frames kept)", code, r.frames);
        } catch (const Error& e) {
            spdlog::warn("story {}: master {} could not be repaired: {}", code, master.string(), e.what());
        }
    }
    return out;
}

Story finalise_story(Catalog& catalog, const fs::path& data_dir, const std::string& id, const FinaliseInput& in) {
    auto story = catalog.get(id);
    if (!story) throw Error("no story " + id + " in the catalog");
    const fs::path dir = layout::story_dir(data_dir, id);
    const fs::path opus = dir / layout::kListening;
    const fs::path master = dir / layout::kMaster;
    std::error_code ec;

    // Left by an interrupted tag rewrite: the original beside it is intact.
    fs::remove(fs::path(opus.string() + ".tmp"), ec);

    Finish fin;
    fin.state = in.state;
    fin.note = in.note;
    fin.ended_at = in.ended_at;

    bool has_audio = false;
    std::int64_t samples = 0;
    bool master_ok = false;
    if (in.clean) {
        has_audio = fs::exists(opus);
        master_ok = fs::exists(master);
    } else {
        const RepairedFiles r = repair_story_files(data_dir, id, story->code);
        has_audio = r.has_audio;
        samples = r.samples_48k;
        master_ok = r.master_ok;
    }

    std::optional<double> lufs = in.lufs;
    std::optional<double> true_peak = in.true_peak_dbtp;
    if (has_audio && !in.clean && !lufs) {
        // The running measurement was lost with the crash (or covers audio that never reached
        // the disk): measure what the file holds.
        auto m = measure_opus_loudness(opus);
        lufs = m.lufs;
        true_peak = m.true_peak_dbtp;
    }

    if (has_audio) {
        // Final tags; the same pass reads the file's length.
        const fs::path tmp = opus.string() + ".tmp";
        try {
            auto info = ogg::rewrite_tags(opus, tmp, story_tags(*story, booth_name(catalog), true, lufs));
            if (::rename(tmp.c_str(), opus.c_str()) != 0) throw_errno("cannot rename " + tmp.string(), errno);
            fsync_dir(dir);
            samples = info.samples_48k;
        } catch (const Error& e) {
            fs::remove(tmp, ec);
            spdlog::warn("story {}: final tags not written ({}); the file keeps its first tags", story->code, e.what());
            fin.note = fin.note.empty() ? "final tags not written" : fin.note + "; final tags not written";
            samples = ogg::inspect(opus).samples_48k;
        }
        has_audio = samples > 0;
    }

    if (!has_audio) {
        // Nothing playable reached the disk: say so honestly, keep the story's record.
        fs::remove(opus, ec);
        if (!master_ok) fs::remove(master, ec);
        fin.duration_ms = 0;
        fin.note = fin.note.empty() ? "nothing was captured" : fin.note + "; nothing was captured";
    } else {
        fin.duration_ms = samples / 48;
        fin.lufs = lufs;
        fin.true_peak_dbtp = true_peak;
        fin.files.push_back({"listening", layout::relative(id, layout::kListening), fs::file_size(opus), sha256_file(opus)});
    }
    if (master_ok)
        fin.files.push_back({"master", layout::relative(id, layout::kMaster), fs::file_size(master), sha256_file(master)});

    catalog.finish_story(id, fin);
    return *catalog.get(id);
}

Story finalise_held(Catalog& catalog, const fs::path& data_dir, const std::string& id, const FinaliseInput& held) {
    auto story = catalog.get(id);
    if (!story) throw Error("no story " + id + " in the catalog");
    if (story->state != "recording")
        throw Error("story " + story->code + " is not waiting to be saved (it is " + story->state + ")");
    FinaliseInput in = held;
    in.state = "complete";
    return finalise_story(catalog, data_dir, id, in);
}

void discard_story(Catalog& catalog, const fs::path& data_dir, const std::string& id) {
    catalog.mark_deleted(id);
    const fs::path dir = layout::story_dir(data_dir, id);
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        fs::remove_all(dir, ec);
        if (ec) throw IoError("cannot remove " + dir.string() + ": " + ec.message(), ec.value());
        fsync_dir(layout::stories_dir(data_dir));
    }
    catalog.purge(id);
}

}  // namespace sb
