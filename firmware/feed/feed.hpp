#pragma once
// What a booth offers to the laptops that collect its stories (sync protocol v1,
// docs/sync-protocol.md), in the form both ends need: the booth (`storybooth run`, `storybooth
// export`) builds it from its catalog, and storysync reads it back — over HTTP or from a USB
// export folder — with the same parsers and the same checks.
//
//   BOOTH   {"id", "name", "code", "version"}                     BoothInfo
//   STORY   every catalog field of a story, files by name          Story (catalog/catalog.hpp)
//   ENTRY   {"seq", "kind": "upsert", "story"} or
//           {"seq", "kind": "tombstone", "story_id", "at"}         Entry
//   changes {"booth", "changes": [ENTRY], "next", "more"}          ChangesPage
//
// Every *_from_json parser checks types and values and throws sb::Error with a sentence naming
// the field (e.g. "story.files[1].sha256 must be 64 lower-case hex digits"), so nothing a booth
// or a folder sends can name a path outside the places it belongs.
//
// No HTTP library appears here: the booth's routes are in api/sync_api.cpp.
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sb::feed {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline constexpr const char* kApiPrefix = "/sync/v1";     // every sync route starts with this
inline constexpr int kExportFormat = 1;                     // booth.json "format"
inline constexpr int kDefaultLimit = 200;                   // changes?limit default
inline constexpr int kMaxLimit = 1000;                      // changes?limit maximum
inline constexpr const char* kExportDir = "storybooth-export";  // PATH/storybooth-export/<booth_id>/

// The only file names a story offers, and their kinds.
inline constexpr const char* kListeningName = "story.opus";   // kind "listening", audio/ogg
inline constexpr const char* kMasterName = "master.flac";     // kind "master", audio/flac

// ---- the booth ----

struct BoothInfo {
    std::string id;       // random v4 UUID, fixed for the life of the booth's catalog
    std::string name;     // e.g. "Story booth" (the librarian may change it)
    std::string code;     // e.g. "MAIN" (prefix of story codes; may change)
    std::string version;  // the firmware version, e.g. "0.1.0"
};

// The booth's id: the catalog setting "booth_id", generated (random v4 UUID) and saved the first
// time it is asked for; never changed afterwards.
std::string booth_id(Catalog& catalog);
// BOOTH for this catalog: booth_id(), and the name and code the daemon publishes in the catalog
// settings "booth_name" / "booth_code" (defaults "Story booth" / "MAIN").
BoothInfo booth_info(Catalog& catalog, const std::string& version);

json booth_to_json(const BoothInfo& b);
// Throws sb::Error naming the field: id not a lower-case UUID, name/code/version not text.
BoothInfo booth_from_json(const json& j);

// ---- stories ----

// "story.opus" for kind "listening", "master.flac" for kind "master"; "" for any other kind.
std::string file_name_for_kind(const std::string& kind);
// The file's name inside its story folder: the last part of StoryFile::path.
std::string file_name(const StoryFile& f);
// True for "story.opus" and "master.flac" only.
bool is_story_file_name(const std::string& name);
// True for 64 lower-case hex digits.
bool is_sha256_hex(const std::string& s);
// "audio/ogg" for story.opus, "audio/flac" for master.flac, "application/octet-stream" otherwise.
std::string content_type(const std::string& name);

// True when a story in this state is offered to laptops: "complete" or "recovered".
bool is_offered_state(const std::string& state);
// Consent is the law for everything public: true only when the story is offered (not recording,
// withdrawn or deleted), its share level is "community", it has participants and every one of
// them consented to community sharing. The one test for the podcast feed, the site's index and
// pages, and `storysync export --bagit --shared`.
bool is_shareable(const Story& s);
// True when a story that is not shareable (but offered) has a secret link a librarian asked for:
// it gets an unlisted page on the site, and nothing else public.
bool has_secret_page(const Story& s);

// The story's file called `name`, if the story is offered and lists it.
std::optional<StoryFile> offered_file(const Story& s, const std::string& name);

// STORY as the protocol sends it (files by name; duration/lufs/true peak null when unknown,
// loudness unrounded; consent null when there is none).
json story_to_json(const Story& s);
// Parses and validates a STORY: id a lower-case UUID; state one of the five states; text fields
// text; whole numbers whole and >= 0 where they must be; files each {"name": "story.opus" or
// "master.flac" with its matching kind, "size" >= 0, "sha256" 64 lower-case hex}, no name twice.
// StoryFile::path becomes "stories/<id>/<name>" (as the booth's catalog stores it).
// Throws sb::Error naming the field ("story.files[0].name must be story.opus or master.flac").
Story story_from_json(const json& j);

// ---- changes ----

struct Entry {
    std::int64_t seq = 0;
    bool tombstone = false;
    std::string story_id;        // for both kinds (for an upsert, story->id)
    std::string at;              // tombstones: when the story was withdrawn or deleted (ISO 8601)
    std::optional<Story> story;  // upserts: the story as it stands now
};

struct ChangesPage {
    BoothInfo booth;
    std::vector<Entry> changes;  // ascending seq
    std::int64_t next = 0;       // the seq of the last change-log row read; `since` when none
    bool more = false;           // whether rows after `next` exist
};

// Reads up to `limit` change-log rows after `since` and turns them into entries (see
// docs/sync-protocol.md): a complete/recovered story → upsert with its current state; a withdrawn,
// deleted or vanished story → tombstone (at = the row's time); a recording story → nothing; a
// story seen more than once → only its last row. `limit` < 1 or `since` < 0 throws sb::Error;
// values above kMaxLimit are allowed here (the HTTP route enforces 1..kMaxLimit).
ChangesPage changes_page(const Catalog& catalog, const BoothInfo& booth, std::int64_t since, int limit);
// Every change-log row in one page (since 0, more = false): the export's changes.json.
ChangesPage all_changes(const Catalog& catalog, const BoothInfo& booth);

json entry_to_json(const Entry& e);
// Throws sb::Error naming the field ("changes[3].kind must be upsert or tombstone").
Entry entry_from_json(const json& j);
json changes_to_json(const ChangesPage& p);
// Validates the whole page (booth, every entry, next >= 0, more boolean, seqs ascending and
// <= next). Throws sb::Error naming the field.
ChangesPage changes_from_json(const json& j);

// ---- files ----

// Where the booth keeps a story's file: DATA/stories/<story_id>/<name>. Throws sb::Error unless
// the id is a lower-case UUID and the name is story.opus or master.flac.
fs::path story_file_path(const fs::path& data_dir, const std::string& story_id, const std::string& name);

// ---- USB export ----
//
// PATH/storybooth-export/<booth_id>/booth.json     {"format": 1, "booth", "exported_at", "latest_seq"}
// PATH/storybooth-export/<booth_id>/files/<story_id>/<name>
// PATH/storybooth-export/<booth_id>/changes.json   all_changes(): its presence means the export is whole

class ExportError : public Error {
public:
    enum class Reason {
        bad_target,  // PATH is missing, not a folder or not writable
        full,        // the drive filled up (or a file-size limit was hit); nothing half-written is left
        failed,      // another read or write error
    };
    ExportError(Reason r, const std::string& what) : Error(what), reason_(r) {}
    Reason reason() const noexcept { return reason_; }

private:
    Reason reason_;
};

struct ExportResult {
    fs::path folder;                 // PATH/storybooth-export/<booth_id>
    std::int64_t stories = 0;        // stories offered in changes.json
    std::int64_t tombstones = 0;     // tombstones in changes.json
    std::int64_t files_copied = 0;   // files written this time
    std::uint64_t bytes_copied = 0;
    std::int64_t files_kept = 0;     // already there with the right size and SHA-256
    std::int64_t files_removed = 0;  // of stories no longer offered (or names no longer listed)
    std::int64_t latest_seq = 0;
};

// Writes (or brings up to date) the export of this booth under `to`. Order: changes.json is
// removed first (so a failed export never claims to be whole), story files are copied (temp
// name, fsync, rename; files already there with the right size and SHA-256 are kept), files
// of stories no longer offered are removed, then booth.json, then changes.json (each temp,
// fsync, rename). A source file whose bytes do not match the catalog's SHA-256 is still copied
// and logged as a warning (the laptop's own check will report it).
// Throws ExportError (see Reason) with one sentence a librarian can read.
ExportResult export_to(Catalog& catalog, const fs::path& data_dir, const fs::path& to, const BoothInfo& booth,
                       const Clock& clock);

// A drive folder one could export to.
struct ExportTarget {
    fs::path path;
    std::uint64_t free_bytes = 0;
};
// Mounted, writable folders under `roots` (default /media, /run/media, /mnt): a mount point
// (from `mounts_file`, /proc/self/mounts format) that is a root's child or grandchild, e.g.
// /media/usb0 or /media/maria/KINGSTON, mounted read-write and writable by this process.
std::vector<ExportTarget> export_targets(const fs::path& mounts_file = "/proc/self/mounts",
                                         const std::vector<fs::path>& roots = {"/media", "/run/media", "/mnt"});

// ---- reading an export ----

struct ExportFolder {
    fs::path folder;          // .../storybooth-export/<booth_id>
    BoothInfo booth;
    std::string exported_at;
    std::int64_t latest_seq = 0;
    ChangesPage changes;      // changes.json
    // Where the export keeps a story's file: folder/files/<story_id>/<name>. Throws sb::Error
    // unless the id is a lower-case UUID and the name is story.opus or master.flac.
    fs::path file(const std::string& story_id, const std::string& name) const;
};

// Reads one booth's export folder: booth.json and changes.json, both validated; the folder's
// name must be the booth id they both carry. Throws sb::Error with a plain reason: not an export
// folder (no booth.json), an unfinished export (no changes.json), an unknown format, or a
// malformed file (naming the file and the field).
ExportFolder read_export(const fs::path& booth_folder);

// The booth folders an export path holds, sorted: given a drive root, every
// root/storybooth-export/<booth_id>/ that has a booth.json; given a storybooth-export folder,
// its <booth_id> children with a booth.json; given one booth folder (it has booth.json), just
// that. Empty when there is none. Throws sb::Error when `path` is not a readable folder.
std::vector<fs::path> find_exports(const fs::path& path);

}  // namespace sb::feed
