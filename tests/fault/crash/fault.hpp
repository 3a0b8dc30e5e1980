#pragma once
// What a fault-injection test checks in a booth's data folder once the booth has restarted
// (recovery done, nothing recording): the catalog, the files and how they match.
#include "catalog/catalog.hpp"
#include "e2e/daemon.hpp"

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sbtest::fault {

namespace fs = std::filesystem;

inline void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

inline httplib::Result post(httplib::Client& c, const std::string& path, const nlohmann::json& body = nlohmann::json::object()) {
    return c.Post(path, body.dump(), "application/json");
}

// Everything wrong with a data folder, one sentence each (empty: all is well), and what it holds.
struct FolderReport {
    std::vector<std::string> problems;
    int stories = 0;
    int without_audio = 0;  // stories that honestly say nothing was captured
};

// `recording_allowed`: a story that may still be "recording" (the session of a running booth).
inline FolderReport check_data_folder(const fs::path& data, const std::string& recording_allowed = "") {
    FolderReport rep;
    auto problem = [&](const std::string& s) { rep.problems.push_back(s); };
    auto cat = sb::Catalog::open(data / "catalog.db");
    const std::string integrity = cat.integrity_check();
    if (integrity != "ok") problem("PRAGMA integrity_check: " + integrity);

    std::set<std::string> ids;        // stories with rows
    std::set<std::string> listed;     // files the catalog lists (relative paths)
    for (const auto& s : cat.list()) {
        ++rep.stories;
        ids.insert(s.id);
        if (s.state == "recording" && s.id != recording_allowed) problem("story " + s.code + " is still recording after recovery");
        for (const auto& f : s.files) {
            if (!listed.insert(f.path).second) problem("file " + f.path + " listed twice");
            std::error_code ec;
            if (!fs::exists(data / f.path, ec)) {
                problem("story " + s.code + ": file " + f.path + " is missing");
            } else if (fs::file_size(data / f.path) != f.size) {
                problem("story " + s.code + ": file " + f.path + " has " + std::to_string(fs::file_size(data / f.path)) +
                        " bytes, the catalog says " + std::to_string(f.size));
            }
        }
        if (s.files.empty() && s.state != "recording") {
            // The only honest story without a file: one that says nothing was captured.
            if (s.duration_ms.value_or(-1) == 0 && s.note.find("nothing was captured") != std::string::npos)
                ++rep.without_audio;
            else
                problem("story " + s.code + " (" + s.state + ", note '" + s.note + "') has no file");
        }
    }
    std::error_code ec;
    if (fs::is_directory(data / "stories", ec)) {
        for (const auto& dir : fs::directory_iterator(data / "stories")) {
            const std::string id = dir.path().filename().string();
            if (!ids.count(id)) {
                problem("folder stories/" + id + " belongs to no story");
                continue;
            }
            if (id == recording_allowed) continue;  // its files are being written
            for (const auto& f : fs::directory_iterator(dir.path())) {
                const std::string rel = "stories/" + id + "/" + f.path().filename().string();
                if (!listed.count(rel)) problem("file " + rel + " belongs to no story");
            }
        }
    }
    if (fs::exists(data / "orphans", ec) && !fs::is_empty(data / "orphans", ec))
        problem("recovery set folders aside in orphans/ (a story folder without a catalog row)");
    return rep;
}

inline std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += "  " + s + "\n";
    return out;
}

// Problems with a story's listening copy as a player sees it: opens, decodes to the length the
// catalog says, opusinfo has no complaint. Empty when it is fine.
inline std::string playable_problem(const fs::path& data, const sb::Story& s) {
    for (const auto& f : s.files) {
        if (f.kind != "listening") continue;
        const fs::path file = data / f.path;
        const std::int64_t samples = opus_samples(file);
        if (samples <= 0) return s.code + ": " + f.path + " does not decode";
        const double ms = static_cast<double>(samples) / 48.0;
        if (std::abs(ms - static_cast<double>(s.duration_ms.value_or(0))) > 2.0)
            return s.code + ": the file lasts " + std::to_string(ms) + " ms, the catalog says " +
                   std::to_string(s.duration_ms.value_or(0));
        const std::string w = opusinfo_warnings(file);
        if (!w.empty()) return s.code + ": opusinfo: " + w;
        return "";
    }
    return s.code + ": no listening copy";
}

}  // namespace sbtest::fault
