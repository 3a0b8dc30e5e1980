#include "catalog/catalog.hpp"

#include "catalog/schema.hpp"
#include "common/fs.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <set>
#include <string_view>

namespace sb {

namespace {

using Reason = CatalogError::Reason;

constexpr std::array<std::string_view, 5> story_states{"recording", "complete", "recovered", "withdrawn",
                                                       "deleted"};
constexpr std::array<std::string_view, 2> finish_states{"complete", "recovered"};
constexpr std::array<std::string_view, 2> share_levels{"private", "community"};
constexpr std::array<std::string_view, 2> roles{"interviewer", "storyteller"};
constexpr std::array<std::string_view, 2> file_kinds{"listening", "master"};

constexpr std::string_view default_booth_code = "MAIN";

template <std::size_t N>
void require_one_of(const char* what, const std::string& value, const std::array<std::string_view, N>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
    std::string list;
    for (std::string_view a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
    }
    throw CatalogError("invalid " + std::string(what) + " '" + value + "' (expected one of: " + list + ")",
                       Reason::invalid_argument);
}

[[noreturn]] void invalid(const std::string& what) { throw CatalogError(what, Reason::invalid_argument); }

bool is_sha256_hex(const std::string& s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void validate(const Participant& p) {
    require_one_of("participant role", p.role, roles);
    if (p.mic_channel < 0) invalid("invalid mic channel " + std::to_string(p.mic_channel) + " for " + p.name);
    if (p.consent) require_one_of("consent choice", p.consent->choice, share_levels);
}

void validate(const std::vector<StoryFile>& files) {
    std::set<std::string> kinds;
    for (const StoryFile& f : files) {
        require_one_of("file kind", f.kind, file_kinds);
        if (!kinds.insert(f.kind).second) invalid("two files of kind '" + f.kind + "'");
        // Files are served to sync by this path, so it must stay inside the story's folder.
        if (!is_safe_relative_path(f.path))
            invalid("file path '" + f.path + "' must be relative to the story folder, without '..'");
        if (!is_sha256_hex(f.sha256))
            invalid("file '" + f.path + "' has an invalid SHA-256 '" + f.sha256 + "' (want 64 lower-case hex digits)");
        if (f.size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            invalid("file '" + f.path + "' size is out of range");
    }
}

void validate(const Marker& m) {
    if (m.offset_ms < 0) invalid("marker offset " + std::to_string(m.offset_ms) + " ms is negative");
}

// "MAIN" and 42 -> "MAIN-0042"; beyond 9999 the number just gets longer.
std::string story_code(const std::string& booth, std::int64_t n) {
    std::string digits = std::to_string(n);
    if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
    return booth + "-" + digits;
}

// Keywords as they are stored: empty ones and repeats dropped, first occurrence kept.
std::vector<std::string> clean_keywords(const std::vector<std::string>& in) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const std::string& k : in)
        if (!k.empty() && seen.insert(k).second) out.push_back(k);
    return out;
}

constexpr std::string_view story_columns =
    "SELECT id, code, state, created_at, started_at, ended_at, clock_trusted, duration_ms, title, description, "
    "language, share_level, note, lufs, true_peak_dbtp, channels, sample_rate, bitrate, updated_at, secret_link FROM stories ";

Story story_from_row(const Statement& st) {
    Story s;
    s.id = st.text(0);
    s.code = st.text(1);
    s.state = st.text(2);
    s.created_at = st.text(3);
    s.started_at = st.text(4);
    s.ended_at = st.text(5);
    s.clock_trusted = st.int64(6) != 0;
    s.duration_ms = st.opt_int64(7);
    s.title = st.text(8);
    s.description = st.text(9);
    s.language = st.text(10);
    s.share_level = st.text(11);
    s.note = st.text(12);
    s.lufs = st.opt_real(13);
    s.true_peak_dbtp = st.opt_real(14);
    s.channels = st.int32(15);
    s.sample_rate = st.int32(16);
    s.bitrate = st.int32(17);
    s.updated_at = st.text(18);
    s.secret_link = st.text(19);
    return s;
}

// Reads a story's child rows; its statements are prepared once and reused for every story of a list.
class ChildLoader {
public:
    explicit ChildLoader(const Database& db)
        : participants_(db.prepare(
              "SELECT p.name, p.age_range, p.relationship, p.role, p.mic_channel, c.participant_id IS NOT NULL, "
              "c.release_version, c.choice, c.typed_name, c.guardian_name, c.agreed_at "
              "FROM participants p LEFT JOIN consents c ON c.participant_id = p.id "
              "WHERE p.story_id = ?1 ORDER BY p.position")),
          questions_(db.prepare("SELECT text FROM questions WHERE story_id = ?1 ORDER BY position")),
          markers_(db.prepare("SELECT offset_ms, text FROM markers WHERE story_id = ?1 ORDER BY offset_ms, id")),
          keywords_(db.prepare("SELECT keyword FROM keywords WHERE story_id = ?1 ORDER BY id")),
          files_(db.prepare("SELECT kind, path, size, sha256 FROM files WHERE story_id = ?1 ORDER BY kind")) {}

    void fill(Story& s) {
        participants_.bind_all(s.id);
        while (participants_.step()) {
            Participant p;
            p.name = participants_.text(0);
            p.age_range = participants_.text(1);
            p.relationship = participants_.text(2);
            p.role = participants_.text(3);
            p.mic_channel = participants_.int32(4);
            if (participants_.int64(5) != 0) {
                Consent c;
                c.release_version = participants_.text(6);
                c.choice = participants_.text(7);
                c.typed_name = participants_.text(8);
                c.guardian_name = participants_.text(9);
                c.agreed_at = participants_.text(10);
                p.consent = std::move(c);
            }
            s.participants.push_back(std::move(p));
        }
        participants_.reset();

        questions_.bind_all(s.id);
        while (questions_.step()) s.questions.push_back(questions_.text(0));
        questions_.reset();

        markers_.bind_all(s.id);
        while (markers_.step()) s.markers.push_back(Marker{markers_.int64(0), markers_.text(1)});
        markers_.reset();

        keywords_.bind_all(s.id);
        while (keywords_.step()) s.keywords.push_back(keywords_.text(0));
        keywords_.reset();

        files_.bind_all(s.id);
        while (files_.step())
            s.files.push_back(StoryFile{files_.text(0), files_.text(1), static_cast<std::uint64_t>(files_.int64(2)),
                                        files_.text(3)});
        files_.reset();
    }

private:
    Statement participants_, questions_, markers_, keywords_, files_;
};

// Runs a query whose rows are stories and loads each one whole.
std::vector<Story> load_stories(const Database& db, Statement& st) {
    std::vector<Story> out;
    while (st.step()) out.push_back(story_from_row(st));
    ChildLoader children(db);
    for (Story& s : out) children.fill(s);
    return out;
}

std::optional<Story> load_one(const Database& db, std::string_view where, const std::string& key) {
    Statement st = db.prepare(std::string(story_columns) + std::string(where));
    st.bind_all(key);
    std::vector<Story> found = load_stories(db, st);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

// ---- search ----

constexpr int max_search_limit = 200;
constexpr std::size_t max_search_words = 32;

// What someone typed, as an FTS5 query that can only ever mean "every one of these word
// prefixes": each word (split on spaces and control characters) becomes an FTS5 string — in
// double quotes, with any '"' doubled, so nothing inside is syntax — followed by '*' for a prefix
// match; the strings are joined by spaces, FTS5's implicit AND. A word holding nothing the
// tokenizer indexes (only punctuation or emoji) makes an empty phrase, which FTS5 leaves out.
// Empty when there are no words at all.
std::string fts_query(const std::string& text) {
    std::string out;
    std::string word;
    std::size_t words = 0;
    auto flush = [&] {
        if (word.empty() || words == max_search_words) {
            word.clear();
            return;
        }
        if (!out.empty()) out += ' ';
        out += '"';
        for (char c : word) {
            if (c == '"') out += '"';
            out += c;
        }
        out += "\"*";
        word.clear();
        ++words;
    };
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) flush();
        else word += c;
    }
    flush();
    return out;
}

struct SearchSql {
    std::string where;       // starts with "WHERE "; parameters ?1 state, ?2 share level, ?3 match
    std::string match;       // the FTS5 query, empty when the text has no words
};

// The WHERE clause is one of two program constants; the user's words only ever reach SQLite as
// the bound value of ?3.
SearchSql search_sql(const StoryQuery& q) {
    if (!q.state.empty()) require_one_of("story state", q.state, story_states);
    if (!q.share_level.empty()) require_one_of("share level", q.share_level, share_levels);
    SearchSql out;
    out.match = fts_query(q.text);
    out.where = "WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR share_level = ?2) ";
    if (!out.match.empty())
        out.where += "AND code_number IN (SELECT rowid FROM story_search WHERE story_search MATCH ?3) ";
    return out;
}

void bind_search(Statement& st, const SearchSql& sql, const StoryQuery& q) {
    st.bind(1, q.state);
    st.bind(2, q.share_level);
    if (!sql.match.empty()) st.bind(3, sql.match);
}

// ---- sync laptops ----

void validate_laptop(const std::string& host_name, const std::string& token_sha256) {
    if (host_name.empty()) invalid("a paired laptop needs a host name");
    if (host_name.size() > 255) invalid("host name is longer than 255 bytes");
    if (std::any_of(host_name.begin(), host_name.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        }))
        invalid("host name contains control characters");
    if (!is_sha256_hex(token_sha256)) invalid("token hash is not 64 lower-case hex digits");
}

constexpr std::string_view laptop_columns =
    "SELECT id, host_name, token_sha256, paired_at, last_seen_at, last_seq, revoked FROM sync_laptops ";

SyncLaptop laptop_from_row(const Statement& st) {
    return SyncLaptop{st.int64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.int64(5), st.int64(6) != 0};
}

// "ok", or what SQLite found wrong, one finding per line (at most `max_errors` of them).
std::string integrity_report(const Database& db, int max_errors = 100) {
    // A program constant, not a value: pragmas take no bound parameters.
    Statement st = db.prepare("PRAGMA integrity_check(" + std::to_string(max_errors) + ")");
    std::string report;
    try {
        while (st.step()) {
            if (!report.empty()) report += '\n';
            report += st.text(0);
        }
    } catch (const CatalogError& e) {
        // SQLite may give up part-way ("database disk image is malformed"): that is part of the report.
        if (e.reason() != Reason::corrupt) throw;
        if (!report.empty()) report += '\n';
        report += db.errmsg();
    }
    return report;
}

}  // namespace

struct Catalog::Impl {
    Impl(Database d, std::shared_ptr<const Clock> c) : db(std::move(d)), clock(std::move(c)) {}

    Database db;
    std::shared_ptr<const Clock> clock;
    mutable std::mutex mu;

    std::string now() const { return iso8601_utc(clock->now()); }

    [[noreturn]] void not_found(const std::string& id) const {
        throw CatalogError("catalog " + db.path().string() + " has no story with id '" + id + "'", Reason::not_found);
    }

    // The story's state; throws not_found for an unknown id.
    std::string state_of(const std::string& id) const {
        Statement st = db.prepare("SELECT state FROM stories WHERE id = ?1");
        st.bind_all(id);
        if (!st.step()) not_found(id);
        return st.text(0);
    }

    // For the edits that a deleted story no longer accepts.
    void require_not_deleted(const std::string& id, const char* action) const {
        if (state_of(id) == "deleted")
            throw CatalogError("cannot " + std::string(action) + " story '" + id + "': it has been deleted",
                               Reason::invalid_state);
    }

    // One change-log row for the story as it now stands: a withdrawn or deleted story is
    // unavailable to sync, so its changes are tombstones.
    void log_change(const std::string& id, const std::string& at) const {
        std::string state = state_of(id);
        const char* kind = (state == "withdrawn" || state == "deleted") ? "tombstone" : "upsert";
        db.prepare("INSERT INTO change_log (story_id, kind, at) VALUES (?1, ?2, ?3)").bind_all(id, kind, at).run();
    }

    void touch(const std::string& id, const std::string& at) const {
        db.prepare("UPDATE stories SET updated_at = ?2 WHERE id = ?1").bind_all(id, at).run();
    }

    void insert_keywords(const std::string& id, const std::vector<std::string>& keywords) const {
        Statement ins = db.prepare("INSERT INTO keywords (story_id, keyword) VALUES (?1, ?2)");
        for (const std::string& k : clean_keywords(keywords)) {
            ins.bind_all(id, k);
            ins.run();
            ins.reset();
        }
    }

    // Rewrites the story's row in the search index from what the catalog now holds. Every
    // method that changes a story's title, description, participants or keywords calls this
    // inside its transaction (the schema has no triggers for it: see schema.cpp).
    void index_story(const std::string& id) const {
        unindex_story(id);
        db.prepare(
              "INSERT INTO story_search (rowid, title, description, names, keywords) "
              "SELECT s.code_number, s.title, s.description, "
              "COALESCE((SELECT group_concat(p.name, ' ') FROM participants p WHERE p.story_id = s.id), ''), "
              "COALESCE((SELECT group_concat(k.keyword, ' ') FROM keywords k WHERE k.story_id = s.id), '') "
              "FROM stories s WHERE s.id = ?1")
            .bind_all(id)
            .run();
    }
    // Takes the story out of the search index (before the story itself goes).
    void unindex_story(const std::string& id) const {
        db.prepare("DELETE FROM story_search WHERE rowid = (SELECT code_number FROM stories WHERE id = ?1)")
            .bind_all(id)
            .run();
    }

    std::string get_setting(const std::string& key, const std::string& fallback) const {
        Statement st = db.prepare("SELECT value FROM settings WHERE key = ?1");
        st.bind_all(key);
        return st.step() ? st.text(0) : fallback;
    }
};

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

Catalog Catalog::open(const std::filesystem::path& db_file) {
    return open(db_file, std::make_shared<SystemClock>());
}

Catalog Catalog::open(const std::filesystem::path& db_file, std::shared_ptr<const Clock> clock) {
    if (!clock) invalid("Catalog::open needs a clock");
    Database db = Database::open(db_file);
    // Refuse a newer file before changing anything in it, even its journal mode.
    refuse_if_newer(db, catalog_schema_version());

    std::string mode = db.pragma("journal_mode=WAL");
    std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
    if (mode != "wal")
        throw CatalogError("catalog " + db_file.string() + ": cannot switch to WAL journal mode (still '" + mode + "')",
                           Reason::sqlite);

    std::string report = integrity_report(db, 10);
    if (report != "ok") {
        // One line, for the log and the admin page.
        for (std::size_t at = report.find('\n'); at != std::string::npos; at = report.find('\n', at))
            report.replace(at, 1, "; ");
        throw CatalogError("catalog " + db_file.string() + " failed its integrity check: " + report, Reason::corrupt);
    }

    migrate(db, catalog_migrations());
    return Catalog(std::make_unique<Impl>(std::move(db), std::move(clock)));
}

const std::filesystem::path& Catalog::path() const { return impl_->db.path(); }

int Catalog::schema_version() const {
    std::lock_guard lock(impl_->mu);
    return schema_version_of(impl_->db);
}

// ---- stories ----

Story Catalog::create_story(const NewStory& ns) {
    for (const Participant& p : ns.participants) validate(p);
    if (ns.channels <= 0) invalid("a story needs at least one channel");
    if (ns.sample_rate <= 0) invalid("invalid sample rate " + std::to_string(ns.sample_rate));
    if (ns.bitrate < 0) invalid("invalid bitrate " + std::to_string(ns.bitrate));

    // The strictest choice wins: sharing needs every participant's consent to share.
    bool share = !ns.participants.empty() &&
                 std::all_of(ns.participants.begin(), ns.participants.end(), [](const Participant& p) {
                     return p.consent && p.consent->choice == "community";
                 });

    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    const std::string created = ns.created_at.empty() ? now : ns.created_at;
    const std::string started = ns.started_at.empty() ? created : ns.started_at;

    Transaction tx(db);
    std::string booth = impl_->get_setting("booth_code", std::string(default_booth_code));
    if (booth.empty()) booth = default_booth_code;

    db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'story_code'").run();
    Statement counter = db.prepare("SELECT value FROM counters WHERE name = 'story_code'");
    if (!counter.step())
        throw CatalogError("catalog " + db.path().string() + " has lost its story-code counter", Reason::corrupt);
    const std::int64_t number = counter.int64(0);
    const std::string id = new_uuid();

    db.prepare(
          "INSERT INTO stories (id, code_number, code, state, created_at, started_at, clock_trusted, title, "
          "description, language, share_level, channels, sample_rate, bitrate, updated_at) "
          "VALUES (?1, ?2, ?3, 'recording', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)")
        .bind_all(id, number, story_code(booth, number), created, started, ns.clock_trusted ? 1 : 0, ns.title,
                  ns.description, ns.language, share ? "community" : "private", ns.channels, ns.sample_rate,
                  ns.bitrate, now)
        .run();

    Statement person = db.prepare(
        "INSERT INTO participants (story_id, position, name, age_range, relationship, role, mic_channel) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    Statement consent = db.prepare(
        "INSERT INTO consents (participant_id, release_version, choice, typed_name, guardian_name, agreed_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (std::size_t i = 0; i < ns.participants.size(); ++i) {
        const Participant& p = ns.participants[i];
        person.bind_all(id, i, p.name, p.age_range, p.relationship, p.role, p.mic_channel);
        person.run();
        person.reset();
        if (p.consent) {
            const Consent& c = *p.consent;
            consent.bind_all(db.last_insert_rowid(), c.release_version, c.choice, c.typed_name, c.guardian_name,
                             c.agreed_at.empty() ? now : c.agreed_at);
            consent.run();
            consent.reset();
        }
    }

    Statement question = db.prepare("INSERT INTO questions (story_id, position, text) VALUES (?1, ?2, ?3)");
    for (std::size_t i = 0; i < ns.questions.size(); ++i) {
        question.bind_all(id, i, ns.questions[i]);
        question.run();
        question.reset();
    }
    impl_->insert_keywords(id, ns.keywords);
    impl_->index_story(id);
    impl_->log_change(id, now);

    std::optional<Story> story = load_one(db, "WHERE id = ?1", id);
    tx.commit();
    return std::move(*story);
}

void Catalog::finish_story(const std::string& id, const Finish& f) {
    require_one_of("finished state", f.state, finish_states);
    if (f.duration_ms < 0) invalid("duration " + std::to_string(f.duration_ms) + " ms is negative");
    validate(f.files);

    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    std::string state = impl_->state_of(id);
    if (state == "withdrawn" || state == "deleted")
        throw CatalogError("cannot finish story '" + id + "': it is " + state, Reason::invalid_state);

    db.prepare(
          "UPDATE stories SET state = ?2, duration_ms = ?3, lufs = ?4, true_peak_dbtp = ?5, ended_at = ?6, "
          "note = ?7, updated_at = ?8 WHERE id = ?1")
        .bind_all(id, f.state, f.duration_ms, f.lufs, f.true_peak_dbtp, f.ended_at.empty() ? now : f.ended_at, f.note,
                  now)
        .run();
    db.prepare("DELETE FROM files WHERE story_id = ?1").bind_all(id).run();
    Statement file = db.prepare("INSERT INTO files (story_id, kind, path, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const StoryFile& sf : f.files) {
        file.bind_all(id, sf.kind, sf.path, static_cast<std::int64_t>(sf.size), sf.sha256);
        file.run();
        file.reset();
    }
    impl_->log_change(id, now);
    tx.commit();
}

std::optional<Story> Catalog::get(const std::string& id) const {
    std::lock_guard lock(impl_->mu);
    Transaction tx(impl_->db, Transaction::Mode::deferred);  // one snapshot for the story and its rows
    std::optional<Story> s = load_one(impl_->db, "WHERE id = ?1", id);
    tx.commit();
    return s;
}

std::optional<Story> Catalog::find_by_code(const std::string& code) const {
    std::lock_guard lock(impl_->mu);
    Transaction tx(impl_->db, Transaction::Mode::deferred);
    std::optional<Story> s = load_one(impl_->db, "WHERE code = ?1", code);  // the column is COLLATE NOCASE
    tx.commit();
    return s;
}

std::vector<Story> Catalog::list(const std::string& state_filter) const {
    if (!state_filter.empty()) require_one_of("story state", state_filter, story_states);
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    Transaction tx(db, Transaction::Mode::deferred);
    Statement st = state_filter.empty()
                       ? db.prepare(std::string(story_columns) + "ORDER BY code_number DESC")
                       : db.prepare(std::string(story_columns) + "WHERE state = ?1 ORDER BY code_number DESC");
    if (!state_filter.empty()) st.bind_all(state_filter);
    std::vector<Story> out = load_stories(db, st);
    tx.commit();
    return out;
}

std::vector<Story> Catalog::search(const StoryQuery& q) const {
    if (q.limit < 0) invalid("search: negative limit " + std::to_string(q.limit));
    if (q.offset < 0) invalid("search: negative offset " + std::to_string(q.offset));
    const SearchSql sql = search_sql(q);
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    Transaction tx(db, Transaction::Mode::deferred);
    Statement st = db.prepare(std::string(story_columns) + sql.where + "ORDER BY code_number DESC LIMIT ?4 OFFSET ?5");
    bind_search(st, sql, q);
    st.bind(4, std::min(q.limit, max_search_limit));
    st.bind(5, q.offset);
    std::vector<Story> out = load_stories(db, st);
    tx.commit();
    return out;
}

std::int64_t Catalog::count(const StoryQuery& q) const {
    const SearchSql sql = search_sql(q);
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare("SELECT COUNT(*) FROM stories " + sql.where);
    bind_search(st, sql, q);
    st.step();
    return st.int64(0);
}

std::vector<std::string> Catalog::ids_in_state(const std::string& state) const {
    require_one_of("story state", state, story_states);
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare("SELECT id FROM stories WHERE state = ?1 ORDER BY code_number");
    st.bind_all(state);
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.text(0));
    return out;
}

void Catalog::add_marker(const std::string& id, const Marker& m) {
    validate(m);
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    impl_->require_not_deleted(id, "add a marker to");
    db.prepare("INSERT INTO markers (story_id, offset_ms, text) VALUES (?1, ?2, ?3)").bind_all(id, m.offset_ms, m.text).run();
    impl_->touch(id, now);
    impl_->log_change(id, now);
    tx.commit();
}

void Catalog::update_metadata(const std::string& id, const std::string& title, const std::string& description,
                              const std::vector<std::string>& keywords) {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    impl_->require_not_deleted(id, "edit");
    db.prepare("UPDATE stories SET title = ?2, description = ?3, updated_at = ?4 WHERE id = ?1")
        .bind_all(id, title, description, now)
        .run();
    db.prepare("DELETE FROM keywords WHERE story_id = ?1").bind_all(id).run();
    impl_->insert_keywords(id, keywords);
    impl_->index_story(id);
    impl_->log_change(id, now);
    tx.commit();
}

void Catalog::set_share_level(const std::string& id, const std::string& level) {
    require_one_of("share level", level, share_levels);
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    impl_->require_not_deleted(id, "change the share level of");
    db.prepare("UPDATE stories SET share_level = ?2, updated_at = ?3 WHERE id = ?1").bind_all(id, level, now).run();
    impl_->log_change(id, now);
    tx.commit();
}

void Catalog::set_secret_link(const std::string& id, const std::string& link) {
    if (!link.empty() && !is_secret_link(link))
        throw CatalogError("a secret link must be 32 lower-case hex digits", Reason::invalid_argument);
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    impl_->require_not_deleted(id, "change the secret link of");
    db.prepare("UPDATE stories SET secret_link = ?2, updated_at = ?3 WHERE id = ?1").bind_all(id, link, now).run();
    impl_->log_change(id, now);
    tx.commit();
}

void Catalog::withdraw(const std::string& id) {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    std::string state = impl_->state_of(id);
    if (state == "withdrawn") return;
    if (state == "recording" || state == "deleted")
        throw CatalogError("cannot withdraw story '" + id + "': it is " + state, Reason::invalid_state);
    db.prepare("UPDATE stories SET state = 'withdrawn', updated_at = ?2 WHERE id = ?1").bind_all(id, now).run();
    impl_->log_change(id, now);
    tx.commit();
}

void Catalog::mark_deleted(const std::string& id) {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    if (impl_->state_of(id) == "deleted") return;
    db.prepare("UPDATE stories SET state = 'deleted', updated_at = ?2 WHERE id = ?1").bind_all(id, now).run();
    db.prepare("DELETE FROM files WHERE story_id = ?1").bind_all(id).run();
    impl_->log_change(id, now);
    tx.commit();
}

void Catalog::purge(const std::string& id) {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    const std::string now = impl_->now();
    Transaction tx(db);
    impl_->state_of(id);  // throws for an unknown id
    impl_->unindex_story(id);
    db.prepare("DELETE FROM stories WHERE id = ?1").bind_all(id).run();
    db.prepare("DELETE FROM change_log WHERE story_id = ?1").bind_all(id).run();
    db.prepare("INSERT INTO change_log (story_id, kind, at) VALUES (?1, 'tombstone', ?2)").bind_all(id, now).run();
    tx.commit();
}

// ---- sync ----

std::int64_t Catalog::latest_seq() const {
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare("SELECT COALESCE(MAX(seq), 0) FROM change_log");
    st.step();
    return st.int64(0);
}

std::vector<Change> Catalog::changes_since(std::int64_t seq, int limit) const {
    if (limit < 0) invalid("changes_since: negative limit " + std::to_string(limit));
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare("SELECT seq, story_id, kind, at FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    st.bind_all(seq, limit);
    std::vector<Change> out;
    while (st.step()) out.push_back(Change{st.int64(0), st.text(1), st.text(2), st.text(3)});
    return out;
}

// ---- paired sync laptops ----

std::int64_t Catalog::add_sync_laptop(const std::string& host_name, const std::string& token_sha256) {
    validate_laptop(host_name, token_sha256);
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    db.prepare("INSERT INTO sync_laptops (host_name, token_sha256, paired_at) VALUES (?1, ?2, ?3)")
        .bind_all(host_name, token_sha256, impl_->now())
        .run();
    return db.last_insert_rowid();
}

std::optional<SyncLaptop> Catalog::sync_laptop_by_token_hash(const std::string& token_sha256) const {
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare(std::string(laptop_columns) + "WHERE token_sha256 = ?1");
    st.bind_all(token_sha256);
    if (!st.step()) return std::nullopt;
    return laptop_from_row(st);
}

std::vector<SyncLaptop> Catalog::sync_laptops(bool include_revoked) const {
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare(std::string(laptop_columns) + "WHERE ?1 OR revoked = 0 ORDER BY id");
    st.bind_all(include_revoked ? 1 : 0);
    std::vector<SyncLaptop> out;
    while (st.step()) out.push_back(laptop_from_row(st));
    return out;
}

void Catalog::revoke_sync_laptop(std::int64_t id) {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    Transaction tx(db);
    Statement exists = db.prepare("SELECT 1 FROM sync_laptops WHERE id = ?1");
    exists.bind_all(id);
    if (!exists.step())
        throw CatalogError("catalog " + db.path().string() + " has no paired laptop " + std::to_string(id),
                           Reason::not_found);
    db.prepare("UPDATE sync_laptops SET revoked = 1 WHERE id = ?1").bind_all(id).run();
    tx.commit();
}

void Catalog::record_sync_laptop_seen(std::int64_t id, std::optional<std::int64_t> acked_seq) {
    if (acked_seq && *acked_seq < 0) invalid("acknowledged seq " + std::to_string(*acked_seq) + " is negative");
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    db.prepare("UPDATE sync_laptops SET last_seen_at = ?2, last_seq = COALESCE(?3, last_seq) WHERE id = ?1")
        .bind_all(id, impl_->now(), acked_seq)
        .run();
    if (db.changes() == 0)
        throw CatalogError("catalog " + db.path().string() + " has no paired laptop " + std::to_string(id),
                           Reason::not_found);
}

// ---- settings, audit log, question sets ----

std::string Catalog::setting(const std::string& key, const std::string& fallback) const {
    std::lock_guard lock(impl_->mu);
    return impl_->get_setting(key, fallback);
}

void Catalog::set_setting(const std::string& key, const std::string& value) {
    std::lock_guard lock(impl_->mu);
    impl_->db
        .prepare("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind_all(key, value)
        .run();
}

void Catalog::audit(const std::string& actor, const std::string& action, const std::string& story_id,
                    const std::string& detail) {
    std::lock_guard lock(impl_->mu);
    std::optional<std::string> story;
    if (!story_id.empty()) story = story_id;
    impl_->db.prepare("INSERT INTO audit_log (at, actor, action, story_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind_all(impl_->now(), actor, action, story, detail)
        .run();
}

std::vector<AuditEntry> Catalog::audit_log(int limit, std::int64_t before_seq) const {
    if (limit < 0) invalid("audit_log: negative limit " + std::to_string(limit));
    std::lock_guard lock(impl_->mu);
    Statement st = impl_->db.prepare(
        "SELECT seq, at, actor, action, story_id, detail FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2");
    st.bind_all(before_seq > 0 ? before_seq : std::numeric_limits<std::int64_t>::max(), limit);
    std::vector<AuditEntry> out;
    while (st.step()) out.push_back(AuditEntry{st.int64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)});
    return out;
}

std::vector<QuestionSet> Catalog::question_sets(const std::string& language) const {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    Transaction tx(db, Transaction::Mode::deferred);
    Statement sets = language.empty()
                         ? db.prepare("SELECT id, name, language FROM question_sets ORDER BY language, name, id")
                         : db.prepare("SELECT id, name, language FROM question_sets WHERE language = ?1 "
                                      "ORDER BY name, id");
    if (!language.empty()) sets.bind_all(language);
    std::vector<QuestionSet> out;
    while (sets.step()) out.push_back(QuestionSet{sets.int64(0), sets.text(1), sets.text(2), {}});
    Statement questions = db.prepare("SELECT text FROM set_questions WHERE set_id = ?1 ORDER BY position");
    for (QuestionSet& qs : out) {
        questions.bind_all(qs.id);
        while (questions.step()) qs.questions.push_back(questions.text(0));
        questions.reset();
    }
    tx.commit();
    return out;
}

std::int64_t Catalog::save_question_set(const QuestionSet& qs) {
    if (qs.name.empty()) invalid("a question set needs a name");
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    Transaction tx(db);
    Statement clash = db.prepare("SELECT 1 FROM question_sets WHERE name = ?1 AND language = ?2 AND id <> ?3");
    clash.bind_all(qs.name, qs.language, qs.id);
    if (clash.step())
        invalid("a question set named '" + qs.name + "' already exists for language '" + qs.language + "'");

    std::int64_t id = qs.id;
    if (id == 0) {
        db.prepare("INSERT INTO question_sets (name, language) VALUES (?1, ?2)").bind_all(qs.name, qs.language).run();
        id = db.last_insert_rowid();
    } else {
        db.prepare("UPDATE question_sets SET name = ?2, language = ?3 WHERE id = ?1").bind_all(id, qs.name, qs.language).run();
        if (db.changes() == 0)
            throw CatalogError("catalog " + db.path().string() + " has no question set " + std::to_string(id),
                               Reason::not_found);
        db.prepare("DELETE FROM set_questions WHERE set_id = ?1").bind_all(id).run();
    }
    Statement ins = db.prepare("INSERT INTO set_questions (set_id, position, text) VALUES (?1, ?2, ?3)");
    for (std::size_t i = 0; i < qs.questions.size(); ++i) {
        ins.bind_all(id, i, qs.questions[i]);
        ins.run();
        ins.reset();
    }
    tx.commit();
    return id;
}

void Catalog::delete_question_set(std::int64_t id) {
    std::lock_guard lock(impl_->mu);
    const Database& db = impl_->db;
    db.prepare("DELETE FROM question_sets WHERE id = ?1").bind_all(id).run();
    if (db.changes() == 0)
        throw CatalogError("catalog " + db.path().string() + " has no question set " + std::to_string(id),
                           Reason::not_found);
}

// ---- health ----

std::string Catalog::integrity_check() const {
    std::lock_guard lock(impl_->mu);
    return integrity_report(impl_->db);
}

}  // namespace sb
