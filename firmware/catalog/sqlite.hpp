#pragma once
// A thin RAII layer over the SQLite C API: a connection, a prepared statement, a transaction.
// Every SQLite failure becomes a CatalogError that names the database file and carries
// sqlite3_errmsg. Values only ever reach SQL through bound parameters.
//
// Not thread-safe by itself: one Database (and its Statements) per thread, or a lock around it.
#include "common/error.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace sb {

class CatalogError : public Error {
public:
    // Why the catalog refused: lets a caller tell "not found" (HTTP 404) from "bad input" (400),
    // "not now" (409) and "the file is broken" (500) without parsing messages.
    enum class Reason {
        sqlite,            // SQLite reported an error (see sqlite_code())
        not_found,         // no story / question set with that id
        invalid_argument,  // a value the catalog does not accept (unknown state, role, ...)
        invalid_state,     // the story's state does not allow the operation
        newer_schema,      // the file was written by a newer storybooth
        corrupt,           // the file is not a database or failed its integrity check
    };

    CatalogError(const std::string& what, Reason reason, int sqlite_code = 0, int sys_errno = 0)
        : Error(what), reason_(reason), sqlite_code_(sqlite_code), sys_errno_(sys_errno) {}

    Reason reason() const noexcept { return reason_; }
    // The extended SQLite result code, or 0 when the error did not come from SQLite.
    int sqlite_code() const noexcept { return sqlite_code_; }
    // The errno behind an SQLite I/O error, or 0.
    int sys_errno() const noexcept { return sys_errno_; }
    // True when SQLite ran out of space (SQLITE_FULL, or an I/O error with ENOSPC/EDQUOT/EFBIG).
    bool disk_full() const noexcept;

private:
    Reason reason_;
    int sqlite_code_;
    int sys_errno_;
};

class Database;

// One prepared statement. Parameters are 1-based (?1, ?2, ...), columns 0-based.
class Statement {
public:
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)) {}
    Statement& operator=(Statement&& o) noexcept;
    ~Statement();

    // Text is bound with its exact length, so any bytes (including NUL) round-trip.
    void bind(int index, std::string_view text);
    void bind(int index, const std::string& text) { bind(index, std::string_view(text)); }
    void bind(int index, const char* text) { bind(index, std::string_view(text)); }
    void bind(int index, double value);
    void bind(int index, std::nullptr_t);
    template <std::integral T>
    void bind(int index, T value) { bind_int64(index, static_cast<std::int64_t>(value)); }
    template <class T>
    void bind(int index, const std::optional<T>& value) {
        if (value) bind(index, *value);
        else bind(index, nullptr);
    }
    // Binds each argument in turn to ?1, ?2, ...
    template <class... Args>
    Statement& bind_all(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    // Advances: true when a row is ready, false when the statement is done. Throws CatalogError.
    bool step();
    // Steps until done (for statements that return no rows).
    void run();
    // Makes the statement ready to run again; bindings are cleared.
    void reset() noexcept;

    bool is_null(int col) const;
    std::string text(int col) const;  // NULL reads as ""
    std::int64_t int64(int col) const;
    int int32(int col) const;
    double real(int col) const;
    std::optional<std::int64_t> opt_int64(int col) const;
    std::optional<double> opt_real(int col) const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
    void bind_int64(int index, std::int64_t value);
    void check_bind(int rc, int index);

    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

// One connection to one database file.
class Database {
public:
    // Opens (creating the file if `create`), then configures the connection: extended result
    // codes, busy_timeout 5000 ms, foreign_keys=ON, synchronous=FULL. Does not touch the schema
    // or the journal mode. Throws CatalogError naming the file.
    static Database open(const std::filesystem::path& file, bool create = true);

    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&& o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}
    Database& operator=(Database&& o) noexcept;
    ~Database();

    const std::filesystem::path& path() const noexcept { return path_; }

    // Compiles one statement. Throws CatalogError (with the SQL's first words) on a syntax error.
    Statement prepare(std::string_view sql) const;
    // Runs one or more statements that take no parameters (schema scripts, BEGIN, pragmas).
    void exec(const std::string& sql) const;
    // Runs a pragma (e.g. "journal_mode=WAL", "user_version") and returns the first column of
    // its first row ("" when it returns nothing). Pragmas cannot take bound parameters, so
    // callers pass only program constants here.
    std::string pragma(const std::string& body) const;
    // Every row of a pragma that reports a list (integrity_check, foreign_key_check), first
    // column of each, joined with newlines.
    std::string pragma_rows(const std::string& body) const;

    // sqlite3_errmsg: the connection's most recent error, without the file name.
    std::string errmsg() const;
    std::int64_t last_insert_rowid() const noexcept;
    int changes() const noexcept;
    bool in_transaction() const noexcept;

    // Throws a CatalogError for result code `rc`: "catalog FILE: CONTEXT: errmsg".
    [[noreturn]] void fail(int rc, const std::string& context) const;

private:
    Database(sqlite3* db, std::filesystem::path path) noexcept : db_(db), path_(std::move(path)) {}

    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() succeeded.
// `immediate` takes the write lock up front, which is what every writer should do: in WAL mode
// a deferred transaction that later tries to write can fail with SQLITE_BUSY without waiting.
class Transaction {
public:
    enum class Mode { deferred, immediate };
    explicit Transaction(const Database& db, Mode mode = Mode::immediate);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

private:
    const Database& db_;
    bool open_ = false;
};

}  // namespace sb
