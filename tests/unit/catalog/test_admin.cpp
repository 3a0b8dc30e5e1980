// The librarian's side of the catalog: settings, the audit log, question sets.
#include "catalog_test_util.hpp"

#include <gmock/gmock.h>

using namespace sb;
using namespace sb::test;

using AdminTest = CatalogTest;

TEST_F(AdminTest, SettingsFallBackUntilSetAndThenKeepTheLastValue) {
    Catalog cat = open_catalog();
    EXPECT_EQ(cat.setting("time_limit_min", "40"), "40");
    cat.set_setting("time_limit_min", "55");
    cat.set_setting("time_limit_min", "60");
    EXPECT_EQ(cat.setting("time_limit_min", "40"), "60");
    cat.set_setting("empty", "");
    EXPECT_EQ(cat.setting("empty", "fallback"), "");  // set to empty is not unset
}

TEST_F(AdminTest, SettingsPersistAcrossReopening) {
    { open_catalog().set_setting("booth_name", "Eastside Branch Library"); }
    EXPECT_EQ(open_catalog().setting("booth_name", ""), "Eastside Branch Library");
}

TEST_F(AdminTest, TheAuditLogListsNewestFirstAndPages) {
    Catalog cat = open_catalog();
    Story s = cat.create_story(NewStory{});
    cat.audit("librarian", "login", "", "from the touchscreen");
    cat.audit("librarian", "withdraw", s.id, "asked by the storyteller");
    cat.audit("volunteer-laptop", "pair", "", "");

    std::vector<AuditEntry> all = cat.audit_log(10);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].action, "pair");
    EXPECT_EQ(all[1].action, "withdraw");
    EXPECT_EQ(all[1].story_id, s.id);
    EXPECT_EQ(all[1].detail, "asked by the storyteller");
    EXPECT_EQ(all[2].story_id, "");
    EXPECT_EQ(all[2].actor, "librarian");
    EXPECT_THAT(all[2].at, ::testing::StartsWith("2026-11-26T05:02:22."));
    EXPECT_GT(all[0].seq, all[1].seq);

    std::vector<AuditEntry> older = cat.audit_log(10, all[0].seq);
    ASSERT_EQ(older.size(), 2u);
    EXPECT_EQ(older[0].seq, all[1].seq);
    EXPECT_EQ(cat.audit_log(1).size(), 1u);
    EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE story_id IS NULL"), 2);  // empty id stored as NULL
}

TEST_F(AdminTest, QuestionSetsAreSavedReplacedListedAndDeleted) {
    Catalog cat = open_catalog();
    std::int64_t family = cat.save_question_set(
        QuestionSet{0, "Family", "en", {"Who raised you?", "What did your family do on holidays?"}});
    std::int64_t familia =
        cat.save_question_set(QuestionSet{0, "Familia", "es", {"¿Quién te crió?"}});
    std::int64_t work = cat.save_question_set(QuestionSet{0, "Work", "en", {"What was your first job?"}});
    EXPECT_NE(family, familia);

    std::vector<QuestionSet> en = cat.question_sets("en");
    ASSERT_EQ(en.size(), 2u);
    EXPECT_EQ(en[0].name, "Family");
    EXPECT_EQ(en[0].questions.size(), 2u);
    EXPECT_EQ(en[1].name, "Work");
    EXPECT_EQ(cat.question_sets().size(), 3u);
    EXPECT_EQ(cat.question_sets("es").at(0).questions.at(0), "¿Quién te crió?");

    // Replacing keeps the id and swaps the questions, in the new order.
    EXPECT_EQ(cat.save_question_set(QuestionSet{work, "Work life", "en", {"b", "a"}}), work);
    std::vector<QuestionSet> after = cat.question_sets("en");
    EXPECT_EQ(after[1].name, "Work life");
    EXPECT_EQ(after[1].questions, (std::vector<std::string>{"b", "a"}));

    cat.delete_question_set(family);
    EXPECT_EQ(cat.question_sets("en").size(), 1u);
    EXPECT_EQ(count("SELECT COUNT(*) FROM set_questions WHERE set_id NOT IN (SELECT id FROM question_sets)"), 0);
}

TEST_F(AdminTest, QuestionSetNamesAreUniquePerLanguageAndUnknownIdsAreNotFound) {
    Catalog cat = open_catalog();
    cat.save_question_set(QuestionSet{0, "Place", "en", {}});
    EXPECT_NO_THROW(cat.save_question_set(QuestionSet{0, "Place", "es", {}}));
    EXPECT_THROW(cat.save_question_set(QuestionSet{0, "Place", "en", {}}), CatalogError);
    EXPECT_THROW(cat.save_question_set(QuestionSet{0, "", "en", {}}), CatalogError);
    try {
        cat.save_question_set(QuestionSet{999, "Ghost", "en", {}});
        FAIL() << "expected a CatalogError";
    } catch (const CatalogError& e) {
        EXPECT_EQ(e.reason(), CatalogError::Reason::not_found);
    }
    EXPECT_THROW(cat.delete_question_set(999), CatalogError);
    EXPECT_EQ(cat.question_sets().size(), 2u);
}
