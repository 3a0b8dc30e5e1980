// Opening a catalog: migrations, refusing newer files, WAL, and the integrity check.
#include "catalog/schema.hpp"
#include "catalog_test_util.hpp"

#include <gmock/gmock.h>

#include <fstream>
#include <vector>

using namespace sb;
using namespace sb::test;
using ::testing::HasSubstr;

using MigrationTest = CatalogTest;

namespace {

const char* const v1_tables[] = {"stories",       "participants",  "consents",  "questions", "markers",
                                 "keywords",      "files",         "question_sets", "set_questions",
                                 "audit_log",     "settings",      "counters",  "change_log"};

const char* const v2_tables[] = {"story_search", "sync_laptops"};

// The number a test-only migration appended after the real ones gets.
int next_version() { return catalog_schema_version() + 1; }

bool has_table(const Database& db, const std::string& name) {
    Statement st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    st.bind_all(name);
    return st.step();
}

bool has_column(const Database& db, const std::string& table, const std::string& column) {
    Statement st = db.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
    st.bind_all(table, column);
    return st.step();
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

}  // namespace

TEST_F(MigrationTest, AnEmptyFileIsMigratedToTheCurrentSchema) {
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.schema_version(), catalog_schema_version());
    EXPECT_EQ(catalog_schema_version(), 3);
    Database db = raw();
    for (const char* t : v1_tables) EXPECT_TRUE(has_table(db, t)) << t;
    for (const char* t : v2_tables) EXPECT_TRUE(has_table(db, t)) << t;
    // v3: every story has a secret link column, "" until a librarian asks for one.
    EXPECT_TRUE(has_column(db, "stories", "secret_link"));
    EXPECT_EQ(db.pragma("user_version"), "3");
}

TEST_F(MigrationTest, ReopeningIsIdempotentAndKeepsData) {
    std::string id;
    {
        Catalog cat = open_catalog();
        id = cat.create_story(two_person_story()).id;
        cat.set_setting("booth_code", "EAST");
    }
    for (int i = 0; i < 3; ++i) {
        Catalog cat = open_catalog();
        EXPECT_EQ(cat.schema_version(), catalog_schema_version());
        ASSERT_TRUE(cat.get(id));
        EXPECT_EQ(cat.setting("booth_code", ""), "EAST");
    }
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.create_story(NewStory{}).code, "EAST-0002");  // the counter was not reset
    Database db = raw();
    EXPECT_EQ(migrate(db, catalog_migrations()), catalog_schema_version());  // nothing left to do
}

TEST_F(MigrationTest, ATestOnlyNextMigrationUpgradesACurrentFileOnceAndKeepsItsData) {
    std::string id;
    {
        Catalog cat = open_catalog();
        id = cat.create_story(two_person_story()).id;
    }
    std::vector<Migration> steps(catalog_migrations().begin(), catalog_migrations().end());
    const int next = next_version();
    steps.push_back({next, "test: a mood per story and a table of moods",
                     "ALTER TABLE stories ADD COLUMN mood TEXT NOT NULL DEFAULT 'calm';"
                     "CREATE TABLE moods (name TEXT PRIMARY KEY);"
                     "INSERT INTO moods VALUES ('calm'), ('joyful');"});

    Database db = raw();
    EXPECT_EQ(migrate(db, steps), next);
    EXPECT_EQ(schema_version_of(db), next);
    EXPECT_TRUE(has_column(db, "stories", "mood"));
    EXPECT_EQ(migrate(db, steps), next);  // a second run must not add the column again

    Statement st = db.prepare("SELECT mood, title FROM stories WHERE id = ?1");
    st.bind_all(id);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text(0), "calm");
    EXPECT_EQ(st.text(1), "Grandma's kitchen");
    EXPECT_EQ(db.pragma("foreign_keys"), "1");  // switched back on after the steps

    // This program does not know the test-only step, so it refuses the upgraded file.
    try {
        open_catalog();
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.reason(), CatalogError::Reason::newer_schema);
        EXPECT_THAT(e.what(), HasSubstr("(schema " + std::to_string(next) + "); this one knows up to " +
                                        std::to_string(catalog_schema_version())));
    }
}

TEST_F(MigrationTest, AStepMayRebuildTheStoriesTableWithoutCascadingAwayChildRows) {
    std::string id;
    {
        Catalog cat = open_catalog();
        id = cat.create_story(two_person_story()).id;
        cat.finish_story(id, complete_finish());
    }
    Database db = raw();
    std::string create;
    {
        Statement st = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stories'");
        ASSERT_TRUE(st.step());
        create = st.text(0);
    }
    // SQLite's recipe for changing a CHECK constraint: new table, copy, drop, rename.
    std::string rebuilt = replace_once(create, "CREATE TABLE stories", "CREATE TABLE stories_new");
    rebuilt = replace_once(rebuilt, "'deleted')", "'deleted', 'archived')");
    std::string sql = rebuilt + ";\nINSERT INTO stories_new SELECT * FROM stories;\nDROP TABLE stories;\n" +
                      "ALTER TABLE stories_new RENAME TO stories;\n" +
                      "CREATE INDEX stories_by_state ON stories (state, code_number);\n";
    std::vector<Migration> steps(catalog_migrations().begin(), catalog_migrations().end());
    steps.push_back({next_version(), "test: a new story state", sql});

    EXPECT_EQ(migrate(db, steps), next_version());
    EXPECT_EQ(db.pragma_rows("foreign_key_check"), "");
    db.prepare("UPDATE stories SET state = 'archived' WHERE id = ?1").bind_all(id).run();
    for (const char* child : {"participants", "questions", "keywords", "files"}) {
        Statement st = db.prepare(std::string("SELECT COUNT(*) FROM ") + child + " WHERE story_id = ?1");
        st.bind_all(id);
        ASSERT_TRUE(st.step());
        EXPECT_GT(st.int64(0), 0) << child;
    }
    // Foreign keys are enforced again afterwards.
    EXPECT_THROW(db.prepare("INSERT INTO questions (story_id, position, text) VALUES ('nobody', 0, 'q')").run(),
                 CatalogError);
}

TEST_F(MigrationTest, AFailingStepRollsBackAndLeavesTheVersionAlone) {
    { open_catalog(); }
    std::vector<Migration> steps(catalog_migrations().begin(), catalog_migrations().end());
    steps.push_back({next_version(), "test: half done",
                     "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);"});
    Database db = raw();
    try {
        migrate(db, steps);
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_THAT(e.what(), HasSubstr("schema migration " + std::to_string(next_version()) +
                                        " (test: half done) failed"));
        EXPECT_THAT(e.what(), HasSubstr("no_such_table"));
    }
    EXPECT_EQ(schema_version_of(db), catalog_schema_version());
    EXPECT_FALSE(has_table(db, "half_done"));
    EXPECT_EQ(db.pragma("foreign_keys"), "1");
    EXPECT_NO_THROW(open_catalog());
}

TEST_F(MigrationTest, AStepThatBreaksForeignKeysIsNotCommitted) {
    { open_catalog(); }
    std::vector<Migration> steps(catalog_migrations().begin(), catalog_migrations().end());
    steps.push_back({next_version(), "test: orphan",
                     "INSERT INTO questions (story_id, position, text) VALUES ('no-such-story', 0, 'q');"});
    Database db = raw();
    try {
        migrate(db, steps);
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_THAT(e.what(), HasSubstr("foreign_key_check"));
    }
    EXPECT_EQ(schema_version_of(db), catalog_schema_version());
    Statement st = db.prepare("SELECT COUNT(*) FROM questions");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 0);
}

TEST_F(MigrationTest, MigrationsMustBeNumberedWithoutGaps) {
    Database db = Database::open(db_path());
    const Migration gap[] = {{1, "one", "CREATE TABLE a (x);"}, {3, "three", "CREATE TABLE b (x);"}};
    EXPECT_THROW(migrate(db, gap), CatalogError);
    EXPECT_EQ(schema_version_of(db), 0);
}

TEST_F(MigrationTest, AFileFromANewerSchemaIsRefusedUntouched) {
    {
        Database db = Database::open(db_path());
        db.exec("CREATE TABLE from_the_future (x); PRAGMA user_version=7;");
    }
    try {
        open_catalog();
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.reason(), CatalogError::Reason::newer_schema);
        EXPECT_EQ(std::string(e.what()), "catalog " + db_path().string() +
                                             " was written by a newer storybooth (schema 7); this one knows up to " +
                                             std::to_string(catalog_schema_version()));
    }
    Database db = raw();
    EXPECT_EQ(db.pragma("user_version"), "7");
    EXPECT_EQ(db.pragma("journal_mode"), "delete");  // not even switched to WAL
    EXPECT_FALSE(has_table(db, "stories"));
}

TEST_F(MigrationTest, TheCatalogRunsInWalMode) {
    Catalog cat = open_catalog();
    cat.create_story(NewStory{});
    EXPECT_TRUE(fs::exists(db_path().string() + "-wal"));
    EXPECT_EQ(raw().pragma("journal_mode"), "wal");
}

TEST_F(MigrationTest, AHealthyCatalogPassesItsIntegrityCheck) {
    Catalog cat = open_catalog();
    cat.create_story(two_person_story());
    EXPECT_EQ(cat.integrity_check(), "ok");
}

TEST_F(MigrationTest, IntegrityCheckAtOpenRefusesAFileWithACorruptedPage) {
    {
        Catalog cat = open_catalog();
        for (int i = 0; i < 300; ++i) {
            NewStory ns = two_person_story("story " + std::to_string(i));
            ns.description = std::string(400, static_cast<char>('a' + i % 26));
            cat.create_story(ns);
        }
        ASSERT_EQ(cat.integrity_check(), "ok");
    }
    long page_size = 0, pages = 0;
    {
        Database db = raw();
        page_size = std::stol(db.pragma("page_size"));
        pages = std::stol(db.pragma("page_count"));
        // Every page is then part of a b-tree: overwriting any of them must be noticed.
        ASSERT_EQ(db.pragma("freelist_count"), "0");
    }
    // Closing the last connection checkpoints the WAL into the main file and removes it.
    ASSERT_FALSE(fs::exists(db_path().string() + "-wal"));
    ASSERT_GT(pages, 20);
    ASSERT_EQ(static_cast<long>(fs::file_size(db_path())), pages * page_size);

    const long middle = pages / 2;  // 1-based page number
    {
        std::fstream f(db_path(), std::ios::in | std::ios::out | std::ios::binary);
        ASSERT_TRUE(f);
        f.seekp((middle - 1) * page_size);
        std::string garbage(static_cast<std::size_t>(page_size), '\xA5');
        f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
        ASSERT_TRUE(f);
    }
    try {
        open_catalog();
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.reason(), CatalogError::Reason::corrupt);
        EXPECT_THAT(e.what(), HasSubstr(db_path().string()));
        EXPECT_THAT(e.what(), HasSubstr("integrity check"));
    }
}

TEST_F(MigrationTest, AFileThatIsNotADatabaseIsRefusedAndLeftAsItWas) {
    std::string junk;
    for (int i = 0; i < 200; ++i) junk += "this is a shopping list, not a catalog\n";
    {
        std::ofstream f(db_path(), std::ios::binary);
        f << junk;
    }
    try {
        open_catalog();
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.reason(), CatalogError::Reason::corrupt);
        EXPECT_THAT(e.what(), HasSubstr(db_path().string()));
    }
    std::ifstream f(db_path(), std::ios::binary);
    std::string back((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(back, junk);
}
