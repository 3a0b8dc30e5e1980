// The RAII layer under the catalog: connection settings, bound parameters, transactions, errors.
#include "catalog_test_util.hpp"

#include <gmock/gmock.h>

using namespace sb;
using namespace sb::test;
using ::testing::HasSubstr;

using SqliteTest = CatalogTest;

TEST_F(SqliteTest, OpenTurnsOnForeignKeysFullSyncAndABusyTimeout) {
    Database db = Database::open(db_path());
    EXPECT_EQ(db.pragma("foreign_keys"), "1");
    EXPECT_EQ(db.pragma("synchronous"), "2");  // FULL
    EXPECT_EQ(db.pragma("busy_timeout"), "5000");
}

TEST_F(SqliteTest, BoundTextComesBackByteForByteIncludingNulAndSqlLookingText) {
    Database db = Database::open(db_path());
    db.exec("CREATE TABLE t (v TEXT)");
    const std::string values[] = {std::string("a\0b", 3), "'); DROP TABLE t; --", "", "😀 مرحبا שלום"};
    for (const std::string& v : values) db.prepare("INSERT INTO t (v) VALUES (?1)").bind_all(v).run();
    Statement st = db.prepare("SELECT v FROM t ORDER BY rowid");
    for (const std::string& v : values) {
        ASSERT_TRUE(st.step());
        EXPECT_EQ(st.text(0), v);
        EXPECT_FALSE(st.is_null(0));  // an empty string stays a string, not NULL
    }
    EXPECT_FALSE(st.step());
}

TEST_F(SqliteTest, OptionalsBindAsNullAndReadBackAsEmpty) {
    Database db = Database::open(db_path());
    db.exec("CREATE TABLE t (i INTEGER, r REAL)");
    db.prepare("INSERT INTO t VALUES (?1, ?2)").bind_all(std::optional<std::int64_t>{}, std::optional<double>{}).run();
    db.prepare("INSERT INTO t VALUES (?1, ?2)").bind_all(std::optional<std::int64_t>{-7}, std::optional<double>{2.5}).run();
    Statement st = db.prepare("SELECT i, r FROM t ORDER BY rowid");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.opt_int64(0), std::nullopt);
    EXPECT_EQ(st.opt_real(1), std::nullopt);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.opt_int64(0), -7);
    EXPECT_EQ(st.opt_real(1), 2.5);
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
    Database db = Database::open(db_path());
    db.exec("CREATE TABLE t (v INTEGER)");
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t VALUES (1)").run();
    }
    EXPECT_FALSE(db.in_transaction());
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t VALUES (2)").run();
        tx.commit();
    }
    Statement st = db.prepare("SELECT group_concat(v) FROM t");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text(0), "2");
}

TEST_F(SqliteTest, ErrorsNameTheFileAndQuoteSqlite) {
    Database db = Database::open(db_path());
    try {
        db.prepare("SELEC nothing");
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_THAT(e.what(), HasSubstr(db_path().string()));
        EXPECT_THAT(e.what(), HasSubstr("syntax error"));
        EXPECT_EQ(e.reason(), CatalogError::Reason::sqlite);
        EXPECT_NE(e.sqlite_code(), 0);
        EXPECT_FALSE(e.disk_full());
    }
}

TEST_F(SqliteTest, ConstraintViolationCarriesTheExtendedSqliteCode) {
    Database db = Database::open(db_path());
    db.exec("CREATE TABLE t (v INTEGER UNIQUE)");
    db.prepare("INSERT INTO t VALUES (1)").run();
    try {
        db.prepare("INSERT INTO t VALUES (1)").run();
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.sqlite_code(), 2067);  // SQLITE_CONSTRAINT_UNIQUE
        EXPECT_THAT(e.what(), HasSubstr("UNIQUE constraint failed"));
    }
}

TEST_F(SqliteTest, OpeningAFileInAMissingFolderFailsNamingIt) {
    fs::path nowhere = dir_ / "no-such-folder" / "catalog.db";
    try {
        Database::open(nowhere);
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_THAT(e.what(), HasSubstr(nowhere.string()));
    }
}

TEST_F(SqliteTest, OpenWithoutCreateRefusesAMissingFile) {
    EXPECT_THROW(Database::open(db_path(), false), CatalogError);
    EXPECT_FALSE(fs::exists(db_path()));
}

TEST_F(SqliteTest, MovedStatementsAndDatabasesStayUsable) {
    Database a = Database::open(db_path());
    Database b = std::move(a);
    b.exec("CREATE TABLE t (v INTEGER)");
    Statement s1 = b.prepare("INSERT INTO t VALUES (?1)");
    Statement s2 = std::move(s1);
    s2.bind_all(5).run();
    EXPECT_EQ(b.pragma("user_version"), "0");
    Statement q = b.prepare("SELECT v FROM t");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int32(0), 5);
}
