#include "catalog/sqlite.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <climits>

namespace sb {

namespace {

constexpr int busy_timeout_ms = 5000;

std::string file_of(sqlite3* db, const std::filesystem::path& fallback) {
    const char* name = db ? sqlite3_db_filename(db, "main") : nullptr;
    if (name && *name) return name;
    return fallback.string();
}

CatalogError::Reason reason_for(int rc) {
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return CatalogError::Reason::corrupt;
    return CatalogError::Reason::sqlite;
}

[[noreturn]] void throw_sqlite(sqlite3* db, int rc, const std::string& context,
                               const std::filesystem::path& fallback = {}) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int sys = db ? sqlite3_system_errno(db) : 0;
    throw CatalogError("catalog " + file_of(db, fallback) + ": " + context + ": " + msg, reason_for(rc), rc,
                       sys);
}

// The first words of a statement, to say which one failed without dumping a whole script.
std::string head_of(std::string_view sql) {
    std::size_t start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return "(empty statement)";
    sql.remove_prefix(start);
    std::string out;
    for (char c : sql.substr(0, 60)) out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    if (sql.size() > 60) out += "...";
    return out;
}

}  // namespace

bool CatalogError::disk_full() const noexcept {
    return (sqlite_code_ & 0xff) == SQLITE_FULL || sys_errno_ == ENOSPC || sys_errno_ == EDQUOT ||
           sys_errno_ == EFBIG;
}

// ---- Statement ----

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(stmt_);
        db_ = o.db_;
        stmt_ = std::exchange(o.stmt_, nullptr);
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::check_bind(int rc, int index) {
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "cannot bind parameter " + std::to_string(index));
}

void Statement::bind(int index, std::string_view text) {
    // A zero-length view may carry a null pointer; SQLite would bind that as NULL, not "".
    const char* data = text.data() ? text.data() : "";
    check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

void Statement::bind(int index, double value) { check_bind(sqlite3_bind_double(stmt_, index, value), index); }

void Statement::bind(int index, std::nullptr_t) { check_bind(sqlite3_bind_null(stmt_, index), index); }

void Statement::bind_int64(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(stmt_, index, value), index);
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite(db_, rc, head_of(sqlite3_sql(stmt_)));
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Statement::text(int col) const {
    // Ask for the text before its length: the conversion may change the length.
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

int Statement::int32(int col) const {
    std::int64_t v = sqlite3_column_int64(stmt_, col);
    if (v < INT_MIN || v > INT_MAX)
        throw CatalogError("catalog " + file_of(db_, {}) + ": value " + std::to_string(v) + " in column " +
                               std::to_string(col) + " does not fit an int",
                           CatalogError::Reason::corrupt);
    return static_cast<int>(v);
}

double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::optional<std::int64_t> Statement::opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

std::optional<double> Statement::opt_real(int col) const {
    if (is_null(col)) return std::nullopt;
    return real(col);
}

// ---- Database ----

Database Database::open(const std::filesystem::path& file, bool create) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        int sys = raw ? sqlite3_system_errno(raw) : 0;
        sqlite3_close_v2(raw);
        throw CatalogError("catalog " + file.string() + ": cannot open: " + msg, reason_for(rc), rc, sys);
    }
    Database db(raw, file);
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    db.exec("PRAGMA foreign_keys=ON");
    if (db.pragma("foreign_keys") != "1")
        throw CatalogError("catalog " + file.string() + ": this SQLite cannot enforce foreign keys",
                           CatalogError::Reason::sqlite);
    db.exec("PRAGMA synchronous=FULL");
    return db;
}

Database& Database::operator=(Database&& o) noexcept {
    if (this != &o) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(o.db_, nullptr);
        path_ = std::move(o.path_);
    }
    return *this;
}

Database::~Database() {
    // close_v2 never fails on a busy handle: it defers until the last statement is finalized.
    sqlite3_close_v2(db_);
}

Statement Database::prepare(std::string_view sql) const {
    sqlite3_stmt* stmt = nullptr;
    if (sql.size() > static_cast<std::size_t>(INT_MAX))
        throw CatalogError("catalog " + file_of(db_, path_) + ": statement too long",
                           CatalogError::Reason::invalid_argument);
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "cannot prepare \"" + head_of(sql) + "\"", path_);
    return Statement(db_, stmt);
}

void Database::exec(const std::string& sql) const {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw CatalogError("catalog " + file_of(db_, path_) + ": " + head_of(sql) + ": " + msg, reason_for(rc), rc,
                           sqlite3_system_errno(db_));
    }
}

std::string Database::pragma(const std::string& body) const {
    Statement st = prepare("PRAGMA " + body);
    return st.step() ? st.text(0) : std::string();
}

std::string Database::pragma_rows(const std::string& body) const {
    Statement st = prepare("PRAGMA " + body);
    std::string out;
    while (st.step()) {
        if (!out.empty()) out += '\n';
        out += st.text(0);
    }
    return out;
}

std::string Database::errmsg() const { return sqlite3_errmsg(db_); }

std::int64_t Database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

int Database::changes() const noexcept { return sqlite3_changes(db_); }

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

void Database::fail(int rc, const std::string& context) const { throw_sqlite(db_, rc, context, path_); }

// ---- Transaction ----

Transaction::Transaction(const Database& db, Mode mode) : db_(db) {
    db_.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    open_ = true;
}

Transaction::~Transaction() {
    // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...); then there is
    // nothing left to roll back.
    if (open_ && db_.in_transaction()) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
            // Nothing more can be done here; the connection's next BEGIN will report trouble.
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace sb
