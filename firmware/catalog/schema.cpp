#include "catalog/schema.hpp"

#include <array>
#include <string>

namespace sb {

namespace {

// Schema version 1: the whole catalog.
//
//   stories        one row per recording. id is a random v4 UUID (never derived from the clock);
//                  code is what participants are told (booth code + "-" + code_number, zero-padded
//                  to 4 digits); code_number is the story-code counter value it was given and
//                  orders stories by creation, because wall-clock times may be untrusted
//                  (clock_trusted says whether they were). Times are ISO 8601 UTC text.
//   participants   the one or two people in a story, in on-screen order (position).
//   consents       at most one per participant: the release version they read, their choice,
//                  the name they typed, a guardian's name for a minor, and when.
//   questions      the questions chosen for the story, in the order chosen.
//   markers        chapter marks: "Next question" presses, as offsets into the recording.
//   keywords       free keywords from the review screen, unique per story.
//   files          the listening copy and the master: path relative to the data folder,
//                  size and SHA-256 as finalised; at most one of each kind per story.
//   question_sets  the librarian's curated question sets, per language...
//   set_questions  ...and their questions in order.
//   audit_log      librarian actions. story_id is deliberately not a foreign key: the record
//                  of a deletion must outlive the story.
//   settings       booth settings as key/value text (booth_code, time limit, ...).
//   counters       counters that must never go backwards; 'story_code' feeds story codes and
//                  is never decremented, so a code is never given out twice.
//   change_log     what sync reads: one row per change to a story, seq strictly increasing and
//                  never reused (AUTOINCREMENT). 'tombstone' when the story is withdrawn,
//                  deleted or purged, 'upsert' otherwise. No foreign key: tombstones outlive
//                  purged stories.
// Every row that belongs to a story goes away with it (ON DELETE CASCADE).
constexpr std::string_view schema_v1 = R"sql(
CREATE TABLE stories (
    id             TEXT PRIMARY KEY NOT NULL,
    code_number    INTEGER NOT NULL UNIQUE,
    code           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    state          TEXT NOT NULL
                   CHECK (state IN ('recording', 'complete', 'recovered', 'withdrawn', 'deleted')),
    created_at     TEXT NOT NULL,
    started_at     TEXT NOT NULL DEFAULT '',
    ended_at       TEXT NOT NULL DEFAULT '',
    clock_trusted  INTEGER NOT NULL DEFAULT 0 CHECK (clock_trusted IN (0, 1)),
    duration_ms    INTEGER CHECK (duration_ms >= 0),
    title          TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL DEFAULT 'en',
    share_level    TEXT NOT NULL DEFAULT 'private' CHECK (share_level IN ('private', 'community')),
    lufs           REAL,
    true_peak_dbtp REAL,
    channels       INTEGER NOT NULL DEFAULT 1 CHECK (channels > 0),
    sample_rate    INTEGER NOT NULL DEFAULT 48000 CHECK (sample_rate > 0),
    bitrate        INTEGER NOT NULL DEFAULT 64000 CHECK (bitrate >= 0),
    note           TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
);
CREATE INDEX stories_by_state ON stories (state, code_number);

CREATE TABLE participants (
    id           INTEGER PRIMARY KEY,
    story_id     TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    age_range    TEXT NOT NULL DEFAULT '',
    relationship TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL CHECK (role IN ('interviewer', 'storyteller')),
    mic_channel  INTEGER NOT NULL DEFAULT 0 CHECK (mic_channel >= 0),
    UNIQUE (story_id, position)
);

CREATE TABLE consents (
    participant_id  INTEGER PRIMARY KEY REFERENCES participants (id) ON DELETE CASCADE,
    release_version TEXT NOT NULL,
    choice          TEXT NOT NULL CHECK (choice IN ('private', 'community')),
    typed_name      TEXT NOT NULL,
    guardian_name   TEXT NOT NULL DEFAULT '',
    agreed_at       TEXT NOT NULL
);

CREATE TABLE questions (
    story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (story_id, position)
);

CREATE TABLE markers (
    id        INTEGER PRIMARY KEY,
    story_id  TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),
    text      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX markers_by_story ON markers (story_id, offset_ms);

CREATE TABLE keywords (
    id       INTEGER PRIMARY KEY,
    story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    keyword  TEXT NOT NULL CHECK (keyword <> ''),
    UNIQUE (story_id, keyword)
);

CREATE TABLE files (
    story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('listening', 'master')),
    path     TEXT NOT NULL CHECK (path <> ''),
    size     INTEGER NOT NULL CHECK (size >= 0),
    sha256   TEXT NOT NULL,
    PRIMARY KEY (story_id, kind)
);

CREATE TABLE question_sets (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    UNIQUE (name, language)
);

CREATE TABLE set_questions (
    set_id   INTEGER NOT NULL REFERENCES question_sets (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (set_id, position)
);

CREATE TABLE audit_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    story_id TEXT,
    detail   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL CHECK (value >= 0)
);
INSERT INTO counters (name, value) VALUES ('story_code', 0);

CREATE TABLE change_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('upsert', 'tombstone')),
    at       TEXT NOT NULL
);
CREATE INDEX change_log_by_story ON change_log (story_id);
)sql";

// Schema version 2: full-text search over stories, and the laptops paired for sync.
//
//   story_search   an FTS5 index with one row per story (rowid = stories.code_number, which never
//                  changes and survives VACUUM, unlike the implicit rowid of a TEXT-keyed table):
//                  its title, description, participant names and keywords (names and keywords
//                  each joined by spaces). The tokenizer folds case and diacritics ("rio" finds
//                  "Río"). The index keeps its own copy of the text. The Catalog methods that
//                  change those fields rewrite the story's row in the same transaction (see
//                  index_story in catalog.cpp). There are deliberately no triggers: triggers on
//                  participants or keywords that name `stories` would make SQLite refuse the
//                  rename step of a later migration that rebuilds the stories table.
//   sync_laptops   laptops paired with `storysync pair`: the SHA-256 (lower-case hex) of the
//                  token each was given (never the token), when it was paired and last seen, the
//                  last change-log seq it acknowledged, and whether the librarian revoked it.
//                  Revoked rows are kept so the dashboard and audit trail can still name them.
constexpr std::string_view schema_v2 = R"sql(
CREATE VIRTUAL TABLE story_search USING fts5 (
    title, description, names, keywords,
    tokenize = "unicode61 remove_diacritics 2"
);

INSERT INTO story_search (rowid, title, description, names, keywords)
    SELECT s.code_number, s.title, s.description,
           COALESCE((SELECT group_concat(p.name, ' ') FROM participants p WHERE p.story_id = s.id), ''),
           COALESCE((SELECT group_concat(k.keyword, ' ') FROM keywords k WHERE k.story_id = s.id), '')
    FROM stories s;

CREATE TABLE sync_laptops (
    id           INTEGER PRIMARY KEY,
    host_name    TEXT NOT NULL CHECK (host_name <> ''),
    token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    paired_at    TEXT NOT NULL,
    last_seen_at TEXT NOT NULL DEFAULT '',
    last_seq     INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
)sql";

// v3:
//   stories.secret_link  "" or 32 lower-case hex digits: the unguessable part of the address of a
//                        private story's own page on the published site, made only when a
//                        librarian asks for one (set_secret_link); "" again when taken back.
constexpr std::string_view schema_v3 = R"sql(
ALTER TABLE stories ADD COLUMN secret_link TEXT NOT NULL DEFAULT ''
    CHECK (secret_link = '' OR (length(secret_link) = 32 AND secret_link NOT GLOB '*[^0-9a-f]*'));
)sql";

// Append new steps here; never change one that has shipped.
constexpr std::array<Migration, 3> migrations{{
    {1, "the catalog: stories, participants, consents, questions, markers, keywords, files, "
        "question sets, audit log, settings, counters, change log",
     schema_v1},
    {2, "full-text story search (story_search) and paired sync laptops (sync_laptops)",
     schema_v2},
    {3, "secret links for private stories (stories.secret_link)", schema_v3},
}};

[[noreturn]] void refuse_newer(const Database& db, int found, int known) {
    throw CatalogError("catalog " + db.path().string() + " was written by a newer storybooth (schema " +
                           std::to_string(found) + "); this one knows up to " + std::to_string(known),
                       CatalogError::Reason::newer_schema);
}

void check_steps(std::span<const Migration> steps) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].version != static_cast<int>(i) + 1)
            throw CatalogError("schema migrations must be numbered 1, 2, 3, ... without gaps; step " +
                                   std::to_string(i + 1) + " says " + std::to_string(steps[i].version),
                               CatalogError::Reason::invalid_argument);
    }
}

}  // namespace

void refuse_if_newer(const Database& db, int known_version) {
    int found = schema_version_of(db);
    if (found > known_version) refuse_newer(db, found, known_version);
}

std::span<const Migration> catalog_migrations() { return migrations; }

int catalog_schema_version() { return migrations.back().version; }

int schema_version_of(const Database& db) { return std::stoi(db.pragma("user_version")); }

int migrate(const Database& db, std::span<const Migration> steps) {
    check_steps(steps);
    const int known = steps.empty() ? 0 : steps.back().version;
    int current = schema_version_of(db);
    if (current > known) refuse_newer(db, current, known);
    if (current == known) return current;

    // A step may need to rebuild a table, which foreign-key enforcement would get in the way of.
    // The pragma is ignored inside a transaction, so it is switched around the steps.
    db.exec("PRAGMA foreign_keys=OFF");
    struct Reenable {
        const Database& db;
        bool done = false;
        ~Reenable() {
            if (!done) {
                try {
                    db.exec("PRAGMA foreign_keys=ON");
                } catch (...) {
                    // Already failing; the caller drops this connection.
                }
            }
        }
    } reenable{db};

    for (const Migration& step : steps) {
        if (step.version <= current) continue;
        Transaction tx(db);
        // Another process may have migrated while this one waited for the write lock.
        current = schema_version_of(db);
        if (current > known) refuse_newer(db, current, known);
        if (current >= step.version) continue;  // rolls back an empty transaction
        try {
            db.exec(std::string(step.sql));
            std::string broken = db.pragma_rows("foreign_key_check");
            if (!broken.empty())
                throw CatalogError("foreign_key_check found rows in: " + broken, CatalogError::Reason::sqlite);
            // A program constant, not a value: pragmas take no bound parameters.
            db.exec("PRAGMA user_version=" + std::to_string(step.version));
            tx.commit();
        } catch (const CatalogError& e) {
            throw CatalogError("catalog " + db.path().string() + ": schema migration " +
                                   std::to_string(step.version) + " (" + std::string(step.summary) +
                                   ") failed, the file stays at schema " + std::to_string(step.version - 1) +
                                   ": " + e.what(),
                               e.reason(), e.sqlite_code(), e.sys_errno());
        }
        current = step.version;
    }

    db.exec("PRAGMA foreign_keys=ON");
    reenable.done = true;
    return current;
}

}  // namespace sb
