#pragma once
// The catalog's schema as a numbered list of migrations, and the code that applies them.
//
// The schema version lives in `PRAGMA user_version`. Migration N takes a version N-1 file to
// version N. To change the schema, append a step to the list in schema.cpp — never edit a step
// that has shipped. Each step runs in its own IMMEDIATE transaction with foreign-key enforcement
// off (so a step may rebuild a table the way SQLite's ALTER TABLE guide describes), and is
// committed only if `PRAGMA foreign_key_check` then finds nothing wrong.
#include "catalog/sqlite.hpp"

#include <span>
#include <string_view>

namespace sb {

struct Migration {
    int version;               // 1, 2, 3, ... in order, no gaps
    std::string_view summary;  // one line, for logs
    std::string_view sql;      // one or more statements, no parameters
};

// The migrations this program knows, oldest first.
std::span<const Migration> catalog_migrations();

// The version a fully migrated catalog has: the last migration's number.
int catalog_schema_version();

// The schema version recorded in the file (0 for a new, empty file).
int schema_version_of(const Database& db);

// Throws CatalogError (Reason::newer_schema) when the file's version is above `known_version`:
// "catalog FILE was written by a newer storybooth (schema N); this one knows up to M".
void refuse_if_newer(const Database& db, int known_version);

// Applies every step of `steps` newer than the file's version, each in its own transaction.
// Refuses (CatalogError, Reason::newer_schema) a file whose version is newer than the last step.
// Safe against another process migrating the same file at the same moment: the version is read
// again once the write lock is held. Returns the version the file has afterwards.
int migrate(const Database& db, std::span<const Migration> steps);

}  // namespace sb
