#pragma once
// The booth's catalog: one SQLite file holding every story, its people, consents, questions,
// chapter markers, keywords and files, the librarian's question sets, settings, audit log and
// the change log that sync reads.
//
// Every call is one transaction, committed durably (WAL, synchronous=FULL) before it returns.
// Failures throw CatalogError (catalog/sqlite.hpp) naming the file; reason() tells "no such
// story", "bad value", "not in this state", "newer schema" and "damaged file" apart.
// Values that must come from a fixed set (state, share level, role, consent choice, file kind)
// are checked before the database is touched; CHECK constraints in the schema back that up.
// Text is stored byte for byte as given.
//
// A Catalog may be shared between threads (calls are serialised inside). Several Catalog
// objects — in this process or others — may use the same file at once; each sees the others'
// committed changes.
#include "catalog/sqlite.hpp"
#include "common/clock.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sb {

struct StoryFile {
    std::string kind;    // "listening" or "master"
    std::string path;    // relative to the story's folder; never absolute, never ".."
    std::uint64_t size = 0;
    std::string sha256;  // 64 lower-case hex digits
};

struct Marker {
    std::int64_t offset_ms = 0;  // from the start of the recording, >= 0
    std::string text;            // the question on screen when "Next question" was pressed
};

struct Consent {
    std::string release_version;
    std::string choice;          // "private" or "community"
    std::string typed_name;
    std::string guardian_name;   // empty unless the participant is a minor
    std::string agreed_at;       // ISO 8601; empty on create_story means "now"
};

struct Participant {
    std::string name, age_range, relationship;
    std::string role;            // "interviewer" or "storyteller"
    int mic_channel = 0;         // >= 0
    std::optional<Consent> consent;
};

struct Story {
    std::string id;              // random v4 UUID
    std::string code;            // e.g. MAIN-0042
    std::string state;           // recording, complete, recovered, withdrawn, deleted
    std::string created_at, started_at, ended_at;
    bool clock_trusted = false;  // whether the wall clock was synchronised when it was made
    std::optional<std::int64_t> duration_ms;
    std::string title, description, language;
    std::string share_level;     // "private" or "community"
    std::string note;            // e.g. "recovered after an interruption", "disk full"
    std::optional<double> lufs, true_peak_dbtp;
    int channels = 0, sample_rate = 0, bitrate = 0;
    std::string updated_at;      // last change, by the catalog's clock
    std::string secret_link;     // "" or 32 lower-case hex: a private story's unlisted page (set_secret_link)
    std::vector<Participant> participants;   // in position order
    std::vector<std::string> questions;      // in the order chosen
    std::vector<Marker> markers;             // by offset
    std::vector<std::string> keywords;       // in the order given
    std::vector<StoryFile> files;            // listening before master
};

struct NewStory {
    std::string title, description, language = "en";
    int channels = 1, sample_rate = 48000, bitrate = 64000;
    std::string created_at;      // empty: now, by the catalog's clock
    std::string started_at;      // empty: the same as created_at
    bool clock_trusted = false;
    std::vector<Participant> participants;
    std::vector<std::string> questions;
    std::vector<std::string> keywords;
};

struct Finish {
    std::string state;           // "complete" or "recovered"
    std::int64_t duration_ms = 0;
    std::optional<double> lufs, true_peak_dbtp;
    std::string ended_at;        // empty: now
    std::string note;
    std::vector<StoryFile> files;
};

struct Change {
    std::int64_t seq = 0;
    std::string story_id;
    std::string kind;            // "upsert" or "tombstone"
    std::string at;
};

struct QuestionSet {
    std::int64_t id = 0;         // 0 for a set not yet saved
    std::string name;
    std::string language = "en";
    std::vector<std::string> questions;
};

struct AuditEntry {
    std::int64_t seq = 0;
    std::string at, actor, action;
    std::string story_id;        // empty when the action was not about one story
    std::string detail;
};

// What the librarian's story search asks for. Every field is optional.
struct StoryQuery {
    // Words to look for in the title, description, participant names and keywords, matched
    // without regard to case or diacritics ("rio" finds "Río"), each as a word prefix ("gran"
    // finds "Grandma"); a story must match every word. Any text is accepted as plain words:
    // quotes, '*', "NEAR(", "OR" and the like have no special meaning. A word with no letter or
    // digit in it (only punctuation or emoji) is ignored beside other words, and finds nothing on
    // its own. Only the first 32 words count. Empty (or only spaces): every story.
    std::string text;
    std::string state;        // one story state, or empty for all
    std::string share_level;  // "private" or "community", or empty for both
    int limit = 50;           // at most 200 rows are returned, whatever is asked; must be >= 0
    int offset = 0;           // rows to skip, for paging; must be >= 0
};

// A laptop paired for sync (see auth/auth.hpp). The token itself is never stored.
struct SyncLaptop {
    std::int64_t id = 0;
    std::string host_name;
    std::string token_sha256;    // 64 lower-case hex digits
    std::string paired_at;       // ISO 8601, by the catalog's clock
    std::string last_seen_at;    // empty until it first syncs
    std::int64_t last_seq = 0;   // the last change-log seq it acknowledged
    bool revoked = false;
};

class Catalog {
public:
    // Opens the file (creating it if missing; its folder must exist), refuses a file from a
    // newer schema, switches to WAL, runs PRAGMA integrity_check (anything but "ok" throws
    // CatalogError, Reason::corrupt, naming the file and quoting SQLite), then applies any
    // pending migrations. Times are taken from `clock` (the system clock by default).
    static Catalog open(const std::filesystem::path& db_file);
    static Catalog open(const std::filesystem::path& db_file, std::shared_ptr<const Clock> clock);

    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;
    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;
    ~Catalog();  // a moved-from Catalog may only be destroyed or assigned to

    const std::filesystem::path& path() const;
    int schema_version() const;

    // ---- stories ----

    // A new story in state "recording": a fresh UUID and the next story code (setting
    // "booth_code", default "MAIN", + "-" + the counter, at least 4 digits). Its share level is
    // "community" only when it has participants and every one consented to community sharing;
    // otherwise "private". Empty and repeated keywords are dropped. One upsert change.
    Story create_story(const NewStory&);
    // Records the end of a recording: state ("complete" or "recovered"), duration, loudness,
    // ended_at, note, and the files (replacing any recorded before). Allowed while the story is
    // recording, complete or recovered. One upsert change.
    void finish_story(const std::string& id, const Finish&);

    std::optional<Story> get(const std::string& id) const;
    // Story codes are matched without regard to case ("main-0042" finds MAIN-0042).
    std::optional<Story> find_by_code(const std::string& code) const;
    // Every story (or those in one state), newest first.
    std::vector<Story> list(const std::string& state_filter = "") const;
    // Stories matching a query, newest first, one page of it (see StoryQuery). An unknown state
    // or share level, or a negative limit or offset, throws CatalogError (invalid_argument).
    std::vector<Story> search(const StoryQuery&) const;
    // How many stories match the query in all (limit and offset are ignored).
    std::int64_t count(const StoryQuery&) const;
    // Ids of the stories in a state, oldest first (e.g. "recording" after a restart).
    std::vector<std::string> ids_in_state(const std::string& state) const;

    // The following refuse a deleted story (Reason::invalid_state) and write one change each.
    void add_marker(const std::string& id, const Marker&);
    // Replaces title, description and keywords (empty and repeated keywords dropped).
    void update_metadata(const std::string& id, const std::string& title, const std::string& description,
                         const std::vector<std::string>& keywords);
    // The story's share level; the consent records stay as they were signed.
    void set_share_level(const std::string& id, const std::string& level);
    // Gives the story a secret link (32 lower-case hex digits, e.g. from new_secret_link()) or,
    // with "", takes it back. Logged as a change, so laptops publish or remove the page.
    void set_secret_link(const std::string& id, const std::string& link);

    // State "withdrawn": kept on the booth, taken out of everything published. Refused while
    // recording or once deleted; a no-op (no change written) if already withdrawn.
    // One tombstone change.
    void withdraw(const std::string& id);
    // State "deleted" and its files rows removed; the caller removes the files themselves.
    // A no-op if already deleted. One tombstone change.
    void mark_deleted(const std::string& id);
    // Removes the story and every row that belongs to it. Its earlier change-log rows go too;
    // one tombstone remains, with a new seq, so sync still learns of it.
    void purge(const std::string& id);

    // ---- sync ----

    // The highest seq in the change log; 0 when empty. Every change to a story made after this
    // call gets a larger seq. While a story is withdrawn or deleted its changes are tombstones.
    std::int64_t latest_seq() const;
    // Up to `limit` changes with seq > `seq`, ascending. Page with the last seq returned.
    std::vector<Change> changes_since(std::int64_t seq, int limit) const;

    // ---- paired sync laptops ----

    // Records a newly paired laptop: host_name (1..255 bytes, no control characters) and the
    // SHA-256 of its token (64 lower-case hex digits, unique). Returns its id.
    std::int64_t add_sync_laptop(const std::string& host_name, const std::string& token_sha256);
    // The laptop whose token has this SHA-256, revoked or not (check `revoked`).
    std::optional<SyncLaptop> sync_laptop_by_token_hash(const std::string& token_sha256) const;
    // Paired laptops in pairing order; revoked ones only when asked for.
    std::vector<SyncLaptop> sync_laptops(bool include_revoked = false) const;
    // Its token stops working; the row stays. A no-op if already revoked; throws not_found.
    void revoke_sync_laptop(std::int64_t id);
    // The laptop was just seen (last_seen_at = now) and, if given, acknowledged changes up to
    // `acked_seq` (>= 0). Throws not_found for an unknown id.
    void record_sync_laptop_seen(std::int64_t id, std::optional<std::int64_t> acked_seq = std::nullopt);

    // ---- settings, audit log, question sets ----

    std::string setting(const std::string& key, const std::string& fallback) const;
    void set_setting(const std::string& key, const std::string& value);

    // story_id may be empty (the action was not about one story).
    void audit(const std::string& actor, const std::string& action, const std::string& story_id,
               const std::string& detail);
    // Newest first: up to `limit` entries with seq < before_seq (0: from the newest).
    std::vector<AuditEntry> audit_log(int limit, std::int64_t before_seq = 0) const;

    // Sets of one language (all when empty), by language then name.
    std::vector<QuestionSet> question_sets(const std::string& language = "") const;
    // id 0 creates the set, otherwise replaces it (name, language and questions). Names are
    // unique per language. Returns the set's id.
    std::int64_t save_question_set(const QuestionSet&);
    void delete_question_set(std::int64_t id);

    // ---- health ----

    // "ok", or SQLite's report of what is damaged.
    std::string integrity_check() const;

private:
    struct Impl;
    explicit Catalog(std::unique_ptr<Impl>);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sb
