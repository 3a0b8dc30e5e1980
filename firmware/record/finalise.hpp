#pragma once
// Turning what is on disk into a finished story: used at the end of every recording and by
// recovery after a crash, so both paths end the same way.
//
//   1. unless both files were closed cleanly, repair them in place (after a crash or a full disk
//      this cuts to the last whole page/frame and marks the end) — needs no free space;
//   2. write the final tags into story.opus (a new file beside it, fsynced, renamed): chapters
//      from the markers, R128 gain, participants; if the disk is full the repaired file keeps
//      the tags it was created with, and the note says so;
//   3. hash the files and record everything in the catalog in one transaction.
// Each step can be repeated after a crash without harm.
#include "catalog/catalog.hpp"
#include "encode/opus_writer.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace sb {

struct FinaliseInput {
    std::string state = "complete";  // or "recovered"
    // Both writers closed without error: the files are whole, so the in-place repairs (and the
    // full decode of the master they need) are skipped.
    bool clean = false;
    std::string note;
    std::string ended_at;                 // ISO 8601; empty when unknown (after a crash)
    std::optional<double> lufs;           // measured while recording; measured from the file when absent
    std::optional<double> true_peak_dbtp;
};

// The booth's name as the catalog's settings hold it ("Story booth" until a librarian names it).
std::string booth_name(const Catalog& catalog);

// The tags a story's listening copy carries. `final` adds chapters and the R128 gain.
Tags story_tags(const Story& story, const std::string& booth_name, bool final, std::optional<double> lufs);

// Finalises story `id`. Returns the story as the catalog now holds it. Throws on catalog errors.
Story finalise_story(Catalog& catalog, const std::filesystem::path& data_dir, const std::string& id,
                     const FinaliseInput& in);

// Step 1 alone: repairs a story's files in place (a no-op on whole files). Used by finalisation
// and by a recording held for review, so the listening copy can be played back at once.
struct RepairedFiles {
    bool has_audio = false;       // the listening copy holds playable audio
    std::int64_t samples_48k = 0; // its length
    bool master_ok = false;       // the master holds whole frames
};
RepairedFiles repair_story_files(const std::filesystem::path& data_dir, const std::string& id,
                                 const std::string& code_for_log);

// Saves a story held for review (Recorder::finish(FinishMode::hold)): final tags from what the
// catalog holds now (title, description, keywords, participants, markers), hashes, state
// "complete" — with the loudness measured while recording. `held` is RecordOutcome::held.
// Throws sb::Error when the story is not waiting to be saved (unknown, or no longer "recording").
Story finalise_held(Catalog& catalog, const std::filesystem::path& data_dir, const std::string& id,
                    const FinaliseInput& held);

// Removes a story for good, crash-safely: marked deleted first (so recovery finishes the job if
// the power fails), then its folder, then every row (catalog.purge; a tombstone stays).
void discard_story(Catalog& catalog, const std::filesystem::path& data_dir, const std::string& id);

// Loudness of an Ogg Opus file, decoded (used when a crash lost the running measurement).
struct FileLoudness {
    std::optional<double> lufs;
    std::optional<double> true_peak_dbtp;
};
FileLoudness measure_opus_loudness(const std::filesystem::path& file);

// "00:01:02.500"
std::string chapter_time(std::int64_t ms);

}  // namespace sb
