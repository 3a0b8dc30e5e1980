// Story search: the FTS5 index over titles, descriptions, names and keywords, the query built
// from what a librarian types, filters and paging, and the index staying right.
#include "catalog/schema.hpp"
#include "catalog_test_util.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <vector>

using namespace sb;
using namespace sb::test;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

namespace {

class SearchTest : public CatalogTest {
protected:
    void SetUp() override {
        CatalogTest::SetUp();
        cat_.emplace(open_catalog());
    }
    void TearDown() override {
        cat_.reset();
        CatalogTest::TearDown();
    }
    Catalog& cat() { return *cat_; }

    std::string add(const std::string& title, const std::string& description = {},
                    const std::vector<std::string>& names = {}, const std::vector<std::string>& keywords = {}) {
        NewStory ns;
        ns.title = title;
        ns.description = description;
        for (const std::string& n : names) ns.participants.push_back(Participant{n, "", "", "storyteller", 0, {}});
        ns.keywords = keywords;
        return cat().create_story(ns).id;
    }

    // Titles of the stories found, in the order returned.
    std::vector<std::string> titles(const StoryQuery& q) {
        std::vector<std::string> out;
        for (const Story& s : cat().search(q)) out.push_back(s.title);
        return out;
    }
    std::vector<std::string> titles(const std::string& text) { return titles(StoryQuery{text, "", "", 50, 0}); }

    std::optional<Catalog> cat_;
};

StoryQuery text_query(const std::string& text) { return StoryQuery{text, "", "", 50, 0}; }

}  // namespace

TEST_F(SearchTest, FindsStoriesByTitleDescriptionParticipantNameOrKeyword) {
    add("Grandma's kitchen");
    add("Untitled", "We talk about the lighthouse keeper");
    add("Two sisters", "", {"Rosa Delgado", "Ana Delgado"});
    add("Moving day", "", {}, {"immigration", "1970s"});
    EXPECT_THAT(titles("kitchen"), ElementsAre("Grandma's kitchen"));
    EXPECT_THAT(titles("lighthouse"), ElementsAre("Untitled"));
    EXPECT_THAT(titles("delgado"), ElementsAre("Two sisters"));
    EXPECT_THAT(titles("immigration"), ElementsAre("Moving day"));
    EXPECT_THAT(titles("1970s"), ElementsAre("Moving day"));
    EXPECT_THAT(titles("nothing-like-this"), ElementsAre());
}

TEST_F(SearchTest, EachWordMatchesAsTheStartOfAWord) {
    add("Grandma's kitchen");
    add("The grand canyon");
    EXPECT_THAT(titles("gran"), ElementsAre("The grand canyon", "Grandma's kitchen"));
    EXPECT_THAT(titles("kit"), ElementsAre("Grandma's kitchen"));
    EXPECT_THAT(titles("itchen"), ElementsAre());  // not the middle of a word
}

TEST_F(SearchTest, CaseAndDiacriticsAreIgnoredBothWays) {
    add("Río Grande crossing", "", {"José Müller"});
    add("Rio Bravo", "Crème brûlée recipes");
    EXPECT_THAT(titles("rio"), UnorderedElementsAre("Río Grande crossing", "Rio Bravo"));
    EXPECT_THAT(titles("RÍO"), UnorderedElementsAre("Río Grande crossing", "Rio Bravo"));
    EXPECT_THAT(titles("jose muller"), ElementsAre("Río Grande crossing"));
    EXPECT_THAT(titles("creme brulee"), ElementsAre("Rio Bravo"));
}

TEST_F(SearchTest, EveryWordMustMatch) {
    add("Rosa's kitchen");
    add("Rosa's garden");
    EXPECT_THAT(titles("rosa kitchen"), ElementsAre("Rosa's kitchen"));
    EXPECT_THAT(titles("  rosa\tgarden\n"), ElementsAre("Rosa's garden"));
    EXPECT_THAT(titles("rosa"), ElementsAre("Rosa's garden", "Rosa's kitchen"));
}

TEST_F(SearchTest, WhatIsTypedIsOnlyEverWordsNeverQuerySyntax) {
    add("Near the river", "or so they say");
    add("Grandma's kitchen", "", {}, {"family"});
    const std::vector<std::string> odd = {
        "\"",          "\"\"",        "*",           "**",          "NEAR(",       "NEAR(a b, 3)",
        "') OR 1=1 --", "\" OR \"\"=\"", "a OR b",     "AND",          "NOT kitchen", "title:kitchen",
        "{title}: x",  "-kitchen",     "^kitchen",    "kitchen*",     "(kitchen",    "kitchen)",
        "+",           ":",            "'",           "\\",           "%",           "_",
        ";",           "; DROP TABLE stories; --",   "🎉",          "👩‍👩‍👧",      "مرحبا",       "家族",
        "\xff\xfe\xfd", std::string("kit\0chen", 8), std::string(10000, 'a'), std::string(5000, '"'),
    };
    std::string many_words;
    for (int i = 0; i < 500; ++i) many_words += "w" + std::to_string(i) + " ";
    std::vector<std::string> inputs = odd;
    inputs.push_back(many_words);
    for (const std::string& text : inputs) {
        SCOPED_TRACE(text.substr(0, 40));
        std::vector<Story> found;
        EXPECT_NO_THROW(found = cat().search(text_query(text)));
        EXPECT_NO_THROW(EXPECT_EQ(cat().count(text_query(text)), static_cast<std::int64_t>(found.size())));
    }
    // Operators are just words: "NEAR(" looks for words starting with "near"...
    EXPECT_THAT(titles("NEAR("), ElementsAre("Near the river"));
    EXPECT_THAT(titles("OR"), ElementsAre("Near the river"));
    // ...an injection attempt is a search for the words "or", "1" and "1", which nothing has...
    EXPECT_THAT(titles("') OR 1=1 --"), ElementsAre());
    // ...and a column filter is two plain words.
    EXPECT_THAT(titles("title:kitchen"), ElementsAre());
    EXPECT_THAT(titles("\"kitchen\""), ElementsAre("Grandma's kitchen"));
    EXPECT_THAT(titles("kitchen*"), ElementsAre("Grandma's kitchen"));
    EXPECT_EQ(cat().list().size(), 2u);  // the stories table is still there
}

TEST_F(SearchTest, ArabicAndEmojiAreHandled) {
    add("مرحبا بالعالم 🎉", "", {"فاطمة"});
    add("Party time 🎉");
    EXPECT_THAT(titles("مرحبا"), ElementsAre("مرحبا بالعالم 🎉"));
    EXPECT_THAT(titles("بالع"), ElementsAre("مرحبا بالعالم 🎉"));
    EXPECT_THAT(titles("فاطمة"), ElementsAre("مرحبا بالعالم 🎉"));
    // Emoji are not indexed as words: alone they find nothing, beside a word they are ignored.
    EXPECT_THAT(titles("🎉"), ElementsAre());
    EXPECT_THAT(titles("🎉 party"), ElementsAre("Party time 🎉"));
}

TEST_F(SearchTest, EmptyTextMatchesEveryStoryNewestFirst) {
    add("first");
    add("second");
    add("third");
    EXPECT_THAT(titles(""), ElementsAre("third", "second", "first"));
    EXPECT_THAT(titles("   "), ElementsAre("third", "second", "first"));
    EXPECT_EQ(cat().count(StoryQuery{}), 3);
}

TEST_F(SearchTest, ResultsComeInPagesAndCountCountsThemAll) {
    for (int i = 1; i <= 7; ++i) add("family story " + std::to_string(i));
    add("something else");
    StoryQuery q = text_query("family");
    q.limit = 3;
    std::vector<std::string> pages;
    for (int offset : {0, 3, 6, 9}) {
        q.offset = offset;
        std::vector<std::string> page = titles(q);
        EXPECT_LE(page.size(), 3u);
        pages.insert(pages.end(), page.begin(), page.end());
    }
    EXPECT_THAT(pages, ElementsAre("family story 7", "family story 6", "family story 5", "family story 4",
                                   "family story 3", "family story 2", "family story 1"));
    EXPECT_EQ(cat().count(q), 7);  // limit and offset do not matter
    q.limit = 0;
    q.offset = 0;
    EXPECT_TRUE(cat().search(q).empty());
}

TEST_F(SearchTest, AtMost200StoriesComeBackAtOnce) {
    {
        Database db = raw();
        Transaction tx(db);
        Statement ins = db.prepare(
            "INSERT INTO stories (id, code_number, code, state, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, 'complete', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
        for (int i = 1; i <= 205; ++i) {
            ins.bind_all(new_uuid(), i, "MAIN-" + std::to_string(i));
            ins.run();
            ins.reset();
        }
        tx.commit();
    }
    StoryQuery q;
    q.limit = 1000;
    std::vector<Story> found = cat().search(q);
    ASSERT_EQ(found.size(), 200u);
    EXPECT_EQ(found.front().code, "MAIN-205");
    EXPECT_EQ(cat().count(q), 205);
}

TEST_F(SearchTest, ANegativeLimitOrOffsetOrAnUnknownFilterIsRefused) {
    auto reason = [&](const StoryQuery& q) {
        try {
            cat().search(q);
        } catch (const CatalogError& e) {
            return e.reason();
        }
        ADD_FAILURE() << "expected a CatalogError";
        return CatalogError::Reason::sqlite;
    };
    EXPECT_EQ(reason(StoryQuery{"", "", "", -1, 0}), CatalogError::Reason::invalid_argument);
    EXPECT_EQ(reason(StoryQuery{"", "", "", 10, -1}), CatalogError::Reason::invalid_argument);
    EXPECT_EQ(reason(StoryQuery{"", "finished", "", 10, 0}), CatalogError::Reason::invalid_argument);
    EXPECT_EQ(reason(StoryQuery{"", "", "public", 10, 0}), CatalogError::Reason::invalid_argument);
    EXPECT_THROW(cat().count(StoryQuery{"", "' OR 1=1 --", "", 10, 0}), CatalogError);
}

TEST_F(SearchTest, StateAndShareLevelNarrowTheResults) {
    Story shared = cat().create_story(two_person_story("Shared kitchen"));  // both consented: community
    std::string done = add("Private kitchen");
    std::string recording = add("Kitchen still recording");
    cat().finish_story(shared.id, complete_finish());
    cat().finish_story(done, complete_finish());
    ASSERT_EQ(shared.share_level, "community");

    EXPECT_THAT(titles(StoryQuery{"kitchen", "complete", "", 50, 0}), ElementsAre("Private kitchen", "Shared kitchen"));
    EXPECT_THAT(titles(StoryQuery{"kitchen", "recording", "", 50, 0}), ElementsAre("Kitchen still recording"));
    EXPECT_THAT(titles(StoryQuery{"kitchen", "", "community", 50, 0}), ElementsAre("Shared kitchen"));
    EXPECT_THAT(titles(StoryQuery{"kitchen", "complete", "private", 50, 0}), ElementsAre("Private kitchen"));
    EXPECT_THAT(titles(StoryQuery{"", "withdrawn", "", 50, 0}), ElementsAre());
    EXPECT_EQ(cat().count(StoryQuery{"", "complete", "", 50, 0}), 2);

    cat().withdraw(done);
    EXPECT_THAT(titles(StoryQuery{"kitchen", "withdrawn", "", 50, 0}), ElementsAre("Private kitchen"));
    cat().mark_deleted(recording);
    EXPECT_THAT(titles(StoryQuery{"kitchen", "deleted", "", 50, 0}), ElementsAre("Kitchen still recording"));
}

TEST_F(SearchTest, TheIndexFollowsMetadataEdits) {
    std::string id = add("Old title", "old description", {"Rosa"}, {"oldkeyword"});
    cat().update_metadata(id, "New harbour title", "fresh description", {"newkeyword", "boats"});
    for (const char* gone : {"old", "oldkeyword"}) EXPECT_THAT(titles(gone), ElementsAre()) << gone;
    for (const char* found : {"harbour", "fresh", "newkeyword", "boats", "rosa"})
        EXPECT_THAT(titles(found), ElementsAre("New harbour title")) << found;
    cat().update_metadata(id, "", "", {});
    EXPECT_THAT(titles("harbour"), ElementsAre());
    EXPECT_THAT(titles("rosa"), ElementsAre(""));  // names are not edited by update_metadata
}

TEST_F(SearchTest, APurgedStoryLeavesTheIndex) {
    std::string gone = add("Lighthouse", "keeper", {"Rosa"}, {"sea"});
    add("Lighthouse two");
    cat().purge(gone);
    EXPECT_THAT(titles("lighthouse"), ElementsAre("Lighthouse two"));
    for (const char* word : {"keeper", "rosa", "sea"}) EXPECT_THAT(titles(word), ElementsAre()) << word;
    EXPECT_EQ(count("SELECT COUNT(*) FROM story_search"), 1);
}

TEST_F(SearchTest, TheIndexMatchesTheCatalogAfterManyChanges) {
    std::vector<std::string> ids;
    for (int i = 0; i < 12; ++i) ids.push_back(cat().create_story(two_person_story("story " + std::to_string(i))).id);
    for (int i = 0; i < 12; i += 3) cat().update_metadata(ids[i], "edited " + std::to_string(i), "d", {"k" + std::to_string(i)});
    for (int i = 1; i < 12; i += 4) cat().purge(ids[i]);
    cat().finish_story(ids[2], complete_finish());
    cat().withdraw(ids[2]);
    cat().mark_deleted(ids[6]);
    cat().add_marker(ids[8], Marker{10, "q"});
    cat().set_share_level(ids[8], "private");

    Database db = raw();
    Statement st = db.prepare(
        "SELECT COUNT(*) FROM stories s LEFT JOIN story_search f ON f.rowid = s.code_number "
        "WHERE f.rowid IS NULL OR f.title IS NOT s.title OR f.description IS NOT s.description "
        "OR f.names IS NOT COALESCE((SELECT group_concat(p.name, ' ') FROM participants p WHERE p.story_id = s.id), '') "
        "OR f.keywords IS NOT COALESCE((SELECT group_concat(k.keyword, ' ') FROM keywords k WHERE k.story_id = s.id), '')");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 0);  // every story has its row, with what the catalog holds
    EXPECT_EQ(count("SELECT COUNT(*) FROM story_search"), count("SELECT COUNT(*) FROM stories"));
    // FTS5's own check that the index agrees with the text it holds.
    EXPECT_NO_THROW(db.exec("INSERT INTO story_search (story_search) VALUES ('integrity-check')"));
    EXPECT_EQ(cat().integrity_check(), "ok");
}

TEST_F(SearchTest, UpgradingAVersion1CatalogIndexesTheStoriesAlreadyInIt) {
    cat_.reset();
    fs::remove(db_path());
    {
        Database db = Database::open(db_path());
        ASSERT_EQ(migrate(db, catalog_migrations().first(1)), 1);
        db.exec(
            "INSERT INTO stories (id, code_number, code, state, created_at, title, description, updated_at) VALUES "
            "('a', 1, 'MAIN-0001', 'complete', '2020-01-01T00:00:00.000Z', 'Río crossing', 'by boat', "
            "'2020-01-01T00:00:00.000Z'),"
            "('b', 2, 'MAIN-0002', 'complete', '2020-01-02T00:00:00.000Z', 'Second', '', '2020-01-02T00:00:00.000Z');"
            "INSERT INTO participants (story_id, position, name, role) VALUES ('a', 0, 'Rosa Delgado', 'storyteller'),"
            "('b', 0, 'Ana', 'interviewer');"
            "INSERT INTO keywords (story_id, keyword) VALUES ('a', 'harvest'), ('b', 'winter');"
            "UPDATE counters SET value = 2 WHERE name = 'story_code';");
    }
    cat_.emplace(open_catalog());
    EXPECT_EQ(cat().schema_version(), catalog_schema_version());
    EXPECT_THAT(titles("rio"), ElementsAre("Río crossing"));
    EXPECT_THAT(titles("boat"), ElementsAre("Río crossing"));
    EXPECT_THAT(titles("delgado"), ElementsAre("Río crossing"));
    EXPECT_THAT(titles("winter"), ElementsAre("Second"));
    EXPECT_THAT(titles(""), ElementsAre("Second", "Río crossing"));
    // ...and it keeps up from then on.
    cat().update_metadata("b", "Second, retitled", "", {"spring"});
    add("Third harvest");
    EXPECT_THAT(titles("harvest"), ElementsAre("Third harvest", "Río crossing"));
    EXPECT_THAT(titles("spring"), ElementsAre("Second, retitled"));
    EXPECT_THAT(titles("winter"), ElementsAre());
}
