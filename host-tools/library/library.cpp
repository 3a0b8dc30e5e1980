#include "library/library.hpp"

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <set>
#include <sys/file.h>
#include <unistd.h>

namespace sb::storysync {

namespace {

// Schema version 1.
//   booths   one row per booth the library knows (paired: it has a url; or seen only through a
//            USB export: url ''); last_seq: every change-log entry up to it is in the library.
//   stories  one row per story, keyed by booth id + story id; story_json is the booth's STORY
//            object as last pulled; search_text is the lower-cased words `search` looks in.
//   files    the story's files in the library's stories/ folder, as verified when pulled.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE booths (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    code         TEXT NOT NULL DEFAULT '',
    version      TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    host_name    TEXT NOT NULL DEFAULT '',
    laptop_id    INTEGER NOT NULL DEFAULT 0,
    last_seq     INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_sync_at TEXT NOT NULL DEFAULT '',
    added_at     TEXT NOT NULL
);
CREATE TABLE stories (
    booth_id     TEXT NOT NULL REFERENCES booths(id),
    id           TEXT NOT NULL,
    code         TEXT NOT NULL,
    state        TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    share_level  TEXT NOT NULL CHECK (share_level IN ('private', 'community')),
    created_at   TEXT NOT NULL DEFAULT '',
    duration_ms  INTEGER,
    story_json   TEXT NOT NULL,
    search_text  TEXT NOT NULL DEFAULT '',
    pulled_at    TEXT NOT NULL,
    PRIMARY KEY (booth_id, id)
);
CREATE INDEX stories_code ON stories(code COLLATE NOCASE);
CREATE TABLE files (
    booth_id     TEXT NOT NULL,
    story_id     TEXT NOT NULL,
    name         TEXT NOT NULL CHECK (name IN ('story.opus', 'master.flac')),
    kind         TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    PRIMARY KEY (booth_id, story_id, name),
    FOREIGN KEY (booth_id, story_id) REFERENCES stories(booth_id, id) ON DELETE CASCADE
);
)sql";

std::string lower_ascii(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string search_text(const Story& s) {
    std::string t = s.code + "\n" + s.title + "\n" + s.description;
    for (const auto& p : s.participants) t += "\n" + p.name;
    for (const auto& k : s.keywords) t += "\n" + k;
    for (const auto& q : s.questions) t += "\n" + q;
    return lower_ascii(t);
}

// A LIKE pattern matching `word` anywhere, with LIKE's own wildcards escaped.
std::string like_anywhere(const std::string& word) {
    std::string out = "%";
    for (char c : word) {
        if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('%');
    return out;
}

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!cur.empty()) out.push_back(lower_ascii(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) out.push_back(lower_ascii(cur));
    return out;
}

BoothRecord booth_row(const Statement& st) {
    BoothRecord b;
    b.id = st.text(0);
    b.name = st.text(1);
    b.code = st.text(2);
    b.version = st.text(3);
    b.url = st.text(4);
    b.host_name = st.text(5);
    b.laptop_id = st.int64(6);
    b.last_seq = st.int64(7);
    b.last_sync_at = st.text(8);
    b.added_at = st.text(9);
    b.stories = st.int64(10);
    return b;
}

constexpr const char* kBoothColumns =
    "SELECT b.id, b.name, b.code, b.version, b.url, b.host_name, b.laptop_id, b.last_seq, "
    "b.last_sync_at, b.added_at, (SELECT COUNT(*) FROM stories s WHERE s.booth_id = b.id) FROM booths b ";

constexpr const char* kStoryColumns =
    "SELECT s.booth_id, b.name, b.code, s.id, s.code, s.state, s.title, s.created_at, s.share_level, "
    "s.language, s.duration_ms, s.story_json, s.pulled_at FROM stories s JOIN booths b ON b.id = s.booth_id ";

LibraryStory story_row(const Statement& st) {
    LibraryStory s;
    s.booth_id = st.text(0);
    s.booth_name = st.text(1);
    s.booth_code = st.text(2);
    s.id = st.text(3);
    s.code = st.text(4);
    s.state = st.text(5);
    s.title = st.text(6);
    s.created_at = st.text(7);
    s.share_level = st.text(8);
    s.language = st.text(9);
    s.duration_ms = st.opt_int64(10);
    s.story_json = st.text(11);
    s.pulled_at = st.text(12);
    return s;
}

std::string utc_now() { return iso8601_utc(std::chrono::system_clock::now()); }

// A name used as a folder must be a canonical UUID, so nothing can point outside the library.
void require_uuid(const std::string& id, const char* what) {
    if (!is_uuid(id)) throw Error(std::string("not a valid ") + what + " id: '" + id + "'");
}

}  // namespace

Library::Library(fs::path root, Database db, Fd lock) : root_(std::move(root)), db_(std::move(db)), lock_(std::move(lock)) {}
Library::Library(Library&&) noexcept = default;
Library& Library::operator=(Library&&) noexcept = default;
Library::~Library() = default;

Library Library::open(const fs::path& root, bool exclusive) {
    make_dirs_durable(root / "stories");
    make_dirs_durable(root / ".partial");
    Fd lock;
    if (exclusive) {
        lock = open_file(root / ".lock", O_RDWR | O_CREAT, 0644);
        if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                throw Error("another storysync is using the library at " + root.string() + "; wait for it to finish");
            throw_errno("cannot lock the library at " + root.string(), errno);
        }
    }
    auto db = Database::open(root / "library.db");
    db.pragma("journal_mode=WAL");
    // Files are fsynced before their rows are written, and a lost last transaction only means
    // the next pull records the story again; NORMAL keeps the catalog consistent after a power cut.
    db.exec("PRAGMA synchronous=NORMAL");
    const std::string version = db.pragma("user_version");
    if (version == "0") {
        Transaction tx(db);
        db.exec(kSchemaV1);
        db.exec("PRAGMA user_version=1");
        tx.commit();
    } else if (version != "1") {
        throw CatalogError("library catalog " + (root / "library.db").string() +
                               " was written by a newer storysync (schema " + version + "); update storysync",
                           CatalogError::Reason::newer_schema);
    }
    return Library(root, std::move(db), std::move(lock));
}

fs::path Library::story_dir(const std::string& booth_id, const std::string& story_id) const {
    require_uuid(booth_id, "booth");
    require_uuid(story_id, "story");
    return root_ / "stories" / booth_id / story_id;
}

fs::path Library::file_path(const std::string& booth_id, const std::string& story_id, const std::string& name) const {
    if (name != "story.opus" && name != "master.flac") throw Error("not a story file name: '" + name + "'");
    return story_dir(booth_id, story_id) / name;
}

fs::path Library::partial_dir(const std::string& booth_id, const std::string& story_id) const {
    require_uuid(booth_id, "booth");
    require_uuid(story_id, "story");
    return root_ / ".partial" / booth_id / story_id;
}

// ---- booths ----

void Library::save_booth(const BoothRecord& b) {
    require_uuid(b.id, "booth");
    db_.prepare(
           "INSERT INTO booths (id, name, code, version, url, host_name, laptop_id, added_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
           "ON CONFLICT(id) DO UPDATE SET name = ?2, code = ?3, version = ?4, url = ?5, host_name = ?6, "
           "laptop_id = ?7")
        .bind_all(b.id, b.name, b.code, b.version, b.url, b.host_name, b.laptop_id, utc_now())
        .run();
}

std::optional<BoothRecord> Library::booth(const std::string& id) const {
    auto st = db_.prepare(std::string(kBoothColumns) + "WHERE b.id = ?1");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return booth_row(st);
}

std::vector<BoothRecord> Library::booths() const {
    auto st = db_.prepare(std::string(kBoothColumns) + "ORDER BY b.name COLLATE NOCASE, b.id");
    std::vector<BoothRecord> out;
    while (st.step()) out.push_back(booth_row(st));
    return out;
}

BoothRecord Library::find_booth(const std::string& what) const {
    const auto all = booths();
    const std::string w = lower_ascii(what);
    std::vector<BoothRecord> hits;
    for (const auto& b : all)
        if (b.id == w) return b;
    for (const auto& b : all)
        if (lower_ascii(b.name) == w || lower_ascii(b.code) == w || (w.size() >= 8 && b.id.rfind(w, 0) == 0))
            hits.push_back(b);
    if (hits.size() == 1) return hits.front();
    if (hits.empty())
        throw Error("no booth called '" + what + "' in this library (see 'storysync booths')");
    throw Error("several booths match '" + what + "': name one by its id (see 'storysync booths')");
}

void Library::set_last_seq(const std::string& booth_id, std::int64_t seq) {
    db_.prepare("UPDATE booths SET last_seq = ?2, last_sync_at = ?3 WHERE id = ?1").bind_all(booth_id, seq, utc_now()).run();
}

void Library::touch_sync(const std::string& booth_id) {
    db_.prepare("UPDATE booths SET last_sync_at = ?2 WHERE id = ?1").bind_all(booth_id, utc_now()).run();
}

void Library::unpair(const std::string& booth_id) {
    db_.prepare("UPDATE booths SET url = '', laptop_id = 0 WHERE id = ?1").bind_all(booth_id).run();
}

// ---- stories ----

void Library::load_files(LibraryStory& s) const {
    auto st = db_.prepare("SELECT name, kind, size, sha256 FROM files WHERE booth_id = ?1 AND story_id = ?2 "
                          "ORDER BY CASE kind WHEN 'listening' THEN 0 ELSE 1 END, name");
    st.bind_all(s.booth_id, s.id);
    while (st.step())
        s.files.push_back({st.text(0), st.text(1), static_cast<std::uint64_t>(st.int64(2)), st.text(3)});
}

std::optional<LibraryStory> Library::story(const std::string& booth_id, const std::string& story_id) const {
    auto st = db_.prepare(std::string(kStoryColumns) + "WHERE s.booth_id = ?1 AND s.id = ?2");
    st.bind_all(booth_id, story_id);
    if (!st.step()) return std::nullopt;
    auto s = story_row(st);
    load_files(s);
    return s;
}

std::optional<LibraryFile> Library::file(const std::string& booth_id, const std::string& story_id,
                                         const std::string& name) const {
    auto st = db_.prepare("SELECT name, kind, size, sha256 FROM files WHERE booth_id = ?1 AND story_id = ?2 AND name = ?3");
    st.bind_all(booth_id, story_id, name);
    if (!st.step()) return std::nullopt;
    return LibraryFile{st.text(0), st.text(1), static_cast<std::uint64_t>(st.int64(2)), st.text(3)};
}

void Library::commit_story(const std::string& booth_id, const Story& s, const std::string& story_json) {
    require_uuid(booth_id, "booth");
    require_uuid(s.id, "story");
    Transaction tx(db_);
    db_.prepare(
           "INSERT INTO stories (booth_id, id, code, state, title, language, share_level, created_at, duration_ms, "
           "story_json, search_text, pulled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
           "ON CONFLICT(booth_id, id) DO UPDATE SET code = ?3, state = ?4, title = ?5, language = ?6, "
           "share_level = ?7, created_at = ?8, duration_ms = ?9, story_json = ?10, search_text = ?11, pulled_at = ?12")
        .bind_all(booth_id, s.id, s.code, s.state, s.title, s.language, s.share_level, s.created_at, s.duration_ms,
                  story_json, search_text(s), utc_now())
        .run();
    db_.prepare("DELETE FROM files WHERE booth_id = ?1 AND story_id = ?2").bind_all(booth_id, s.id).run();
    auto ins = db_.prepare("INSERT INTO files (booth_id, story_id, name, kind, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const auto& f : s.files) {
        const std::string name = fs::path(f.path).filename().string();
        ins.bind_all(booth_id, s.id, name, f.kind, static_cast<std::int64_t>(f.size), f.sha256);
        ins.run();
        ins.reset();
    }
    tx.commit();
}

bool Library::remove_story(const std::string& booth_id, const std::string& story_id) {
    const fs::path dir = story_dir(booth_id, story_id);
    bool had = false;
    {
        Transaction tx(db_);
        db_.prepare("DELETE FROM stories WHERE booth_id = ?1 AND id = ?2").bind_all(booth_id, story_id).run();
        had = db_.changes() > 0;
        tx.commit();
    }
    // Rows first, then files: a crash in between leaves files no row lists, which the tombstone
    // (re-read because the sequence has not moved) removes next time.
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        had = true;
        fs::remove_all(dir, ec);
        if (ec) throw IoError("cannot remove " + dir.string() + ": " + ec.message(), ec.value());
        fsync_dir(dir.parent_path());
    }
    const fs::path partial = partial_dir(booth_id, story_id);
    if (fs::exists(partial, ec)) fs::remove_all(partial, ec);
    return had;
}

void Library::remove_unlisted_files(const std::string& booth_id, const std::string& story_id) {
    const fs::path dir = story_dir(booth_id, story_id);
    std::set<std::string> listed;
    auto st = db_.prepare("SELECT name FROM files WHERE booth_id = ?1 AND story_id = ?2");
    st.bind_all(booth_id, story_id);
    while (st.step()) listed.insert(st.text(0));
    std::error_code ec;
    bool removed = false;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (!listed.count(e.path().filename().string())) {
            fs::remove(e.path(), ec);
            removed = true;
        }
    }
    if (removed) fsync_dir(dir);
}

std::vector<LibraryStory> Library::stories(const StoryFilter& f) const {
    std::string sql = std::string(kStoryColumns) + "WHERE (?1 = '' OR s.booth_id = ?1) AND (?2 = '' OR s.share_level = ?2)";
    const auto ws = words(f.text);
    for (std::size_t i = 0; i < ws.size(); ++i)
        sql += " AND s.search_text LIKE ?" + std::to_string(i + 3) + " ESCAPE '\\'";
    sql += " ORDER BY s.created_at DESC, s.code";
    auto st = db_.prepare(sql);
    st.bind(1, f.booth_id);
    st.bind(2, f.share_level);
    for (std::size_t i = 0; i < ws.size(); ++i) st.bind(static_cast<int>(i + 3), like_anywhere(ws[i]));
    std::vector<LibraryStory> out;
    while (st.step()) out.push_back(story_row(st));
    for (auto& s : out) load_files(s);
    return out;
}

std::vector<LibraryStory> Library::find_stories(const std::string& id_or_code) const {
    auto st = db_.prepare(std::string(kStoryColumns) + "WHERE s.id = ?2 OR s.code = ?1 COLLATE NOCASE ORDER BY b.name, s.booth_id");
    st.bind_all(id_or_code, lower_ascii(id_or_code));
    std::vector<LibraryStory> out;
    while (st.step()) out.push_back(story_row(st));
    for (auto& s : out) load_files(s);
    return out;
}

std::int64_t Library::story_count() const {
    auto st = db_.prepare("SELECT COUNT(*) FROM stories");
    st.step();
    return st.int64(0);
}

}  // namespace sb::storysync
