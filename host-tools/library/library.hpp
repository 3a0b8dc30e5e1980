#pragma once
// The volunteer's library: every story pulled from every booth, on the laptop.
//
//   LIBRARY/library.db                              SQLite catalog (WAL): booths, stories, files
//   LIBRARY/stories/<booth_id>/<story_id>/<name>    story.opus, master.flac — complete and verified
//   LIBRARY/.partial/<booth_id>/<story_id>/...      downloads in progress (resumed by the next pull)
//   LIBRARY/.lock                                   held by the storysync process using the library
//
// Stories are keyed by booth id + story id, so any number of booths feed one library without
// collisions (story codes may repeat across booths). A file appears under stories/ only once it
// is whole, verified and fsynced; its catalog rows are written after that, in one transaction,
// and the booth's sequence number is advanced only after that.
//
// Failures throw sb::CatalogError (SQLite) or sb::IoError (files), naming the file.
#include "catalog/catalog.hpp"
#include "catalog/sqlite.hpp"
#include "common/fs.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sb::storysync {

namespace fs = std::filesystem;

// A booth this library knows: paired over the network, or seen through a USB export.
struct BoothRecord {
    std::string id;              // the booth's UUID (never changes)
    std::string name, code, version;
    std::string url;             // "" for a booth known only from USB exports (or unpaired)
    std::string host_name;       // what this laptop called itself when it paired
    std::int64_t laptop_id = 0;  // the booth's id for this laptop's pairing
    std::int64_t last_seq = 0;   // every change up to this one is in the library
    std::string last_sync_at;    // ISO 8601 UTC; "" before the first pull
    std::string added_at;
    std::int64_t stories = 0;    // stories in the library from this booth (filled by booths())

    // Paired over the network: pairing stores the url (and the token), unpairing clears both.
    bool paired() const noexcept { return !url.empty(); }
};

struct LibraryFile {
    std::string name, kind;
    std::uint64_t size = 0;
    std::string sha256;
};

// One story as the library has it.
struct LibraryStory {
    std::string booth_id, booth_name, booth_code;
    std::string id, code, state, title, created_at, share_level, language;
    std::optional<std::int64_t> duration_ms;
    std::string story_json;      // the booth's STORY object (sync protocol), as last pulled
    std::string pulled_at;
    std::vector<LibraryFile> files;
};

struct StoryFilter {
    std::string booth_id;        // "" for every booth
    std::string share_level;     // "", "private" or "community"
    std::string text;            // words that must all appear (case-insensitive) in the title,
                                 // description, names, keywords, questions or code
};

class Library {
public:
    // Opens the library at `root`, creating the folders and catalog when missing. With
    // `exclusive`, also takes the library's lock (only one pull/unpair/verify at a time) and
    // throws sb::Error "another storysync is using the library" when it is held.
    static Library open(const fs::path& root, bool exclusive);

    Library(Library&&) noexcept;
    Library& operator=(Library&&) noexcept;
    ~Library();

    const fs::path& root() const noexcept { return root_; }
    fs::path story_dir(const std::string& booth_id, const std::string& story_id) const;
    fs::path file_path(const std::string& booth_id, const std::string& story_id, const std::string& name) const;
    fs::path partial_dir(const std::string& booth_id, const std::string& story_id) const;

    // ---- booths ----

    // Adds the booth or updates what it has (name, code, version, url, host name, laptop id);
    // never touches last_seq or last_sync_at.
    void save_booth(const BoothRecord& b);
    std::optional<BoothRecord> booth(const std::string& id) const;
    // Every booth, by name, with its story count.
    std::vector<BoothRecord> booths() const;
    // A booth by what a volunteer types: its name or code (any case), its id, or the first 8+
    // characters of its id. Throws sb::Error with a plain reason when none or several match.
    BoothRecord find_booth(const std::string& what) const;
    // Every change up to `seq` is in the library; also records the time of this sync.
    void set_last_seq(const std::string& booth_id, std::int64_t seq);
    // The booth was synced just now (nothing new).
    void touch_sync(const std::string& booth_id);
    // Forgets the pairing (url and laptop id); the booth's stories stay in the library.
    void unpair(const std::string& booth_id);

    // ---- stories ----

    std::optional<LibraryStory> story(const std::string& booth_id, const std::string& story_id) const;
    // The file's catalog row, if the library has the story with that file.
    std::optional<LibraryFile> file(const std::string& booth_id, const std::string& story_id,
                                    const std::string& name) const;
    // Records the story and its files in one transaction, replacing any earlier version.
    // The files must already be in place. `story_json` is kept as given.
    void commit_story(const std::string& booth_id, const Story& s, const std::string& story_json);
    // Removes the story's rows (one transaction), then its folder. True when it had any.
    bool remove_story(const std::string& booth_id, const std::string& story_id);
    // Removes files in the story's folder that its rows do not list (after an update dropped one).
    void remove_unlisted_files(const std::string& booth_id, const std::string& story_id);

    // Stories matching the filter, newest first.
    std::vector<LibraryStory> stories(const StoryFilter& f = {}) const;
    // Stories whose id is `id_or_code` or whose code matches it (any case); several when booths
    // share a code.
    std::vector<LibraryStory> find_stories(const std::string& id_or_code) const;
    std::int64_t story_count() const;

private:
    Library(fs::path root, Database db, Fd lock);
    void load_files(LibraryStory& s) const;

    fs::path root_;
    Database db_;
    Fd lock_;
};

}  // namespace sb::storysync
