// The kiosk flow end to end against a real catalog: welcome to saved, and welcome to deleted.
#include "common/hash.hpp"
#include "record/layout.hpp"
#include "record/recovery.hpp"
#include "unit/session/session_test_util.hpp"

#include <algorithm>

using namespace sbtest;
namespace fs = std::filesystem;
using sb::SessionState;

namespace {

bool has_tag(const std::vector<std::string>& tags, const std::string& t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
}

}  // namespace

TEST_F(SessionTest, FullFlowFromWelcomeToSavedKeepsEverythingInTheCatalog) {
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_TRUE(s().snapshot().mic_present);
    s().start("en");
    EXPECT_EQ(state(), SessionState::participants);
    s().set_participants(two_people());
    EXPECT_EQ(state(), SessionState::consent);
    s().set_consent(both_share());
    EXPECT_EQ(state(), SessionState::questions);
    s().set_questions({"Only one?"});
    s().set_questions(three_questions());  // may be chosen again
    EXPECT_EQ(s().snapshot().questions, three_questions());
    EXPECT_TRUE(cat.list().empty());  // nothing is stored before the mic check

    s().mic_check();
    auto snap = s().snapshot();
    EXPECT_EQ(snap.state, SessionState::mic_check);
    ASSERT_FALSE(snap.story_id.empty());
    EXPECT_EQ(snap.story_code, "MAIN-0001");
    const std::string id = snap.story_id;
    ASSERT_TRUE(mic.feed(1.0));
    ASSERT_TRUE(wait_for([&] { return events.level_count() >= 10; }));
    EXPECT_EQ(s().snapshot().elapsed_ms, 0);  // metering only

    s().record();  // the last 0.5 s of the mic check are kept
    EXPECT_EQ(state(), SessionState::recording);
    EXPECT_EQ(s().snapshot().current_question, 0);
    wait_elapsed(500);
    feed_and_wait(1.0);
    s().next_question();
    EXPECT_EQ(s().snapshot().current_question, 1);
    feed_and_wait(1.0);
    s().next_question();
    feed_and_wait(0.5);
    EXPECT_EQ(s().snapshot().elapsed_ms, 3000);
    EXPECT_EQ(s().snapshot().remaining_ms, 2400 * 1000 - 3000);

    s().stop();
    EXPECT_EQ(state(), SessionState::review);
    EXPECT_EQ(cat.get(id)->state, "recording");  // held: not offered to sync until saved
    const std::string audio = s().audio_path();
    ASSERT_FALSE(audio.empty());
    EXPECT_TRUE(fs::exists(audio));
    EXPECT_NEAR(static_cast<double>(opus_samples(audio)), 3000.0 * 48, 96.0);
    EXPECT_EQ(s().snapshot().suggested_title, "Rosa Díaz and Ana Díaz: Where did you grow up?");

    s().review("Rosa's kitchen", "Recipes, songs and a long walk to school.", {"family", "food"});
    s().save();
    snap = s().snapshot();
    EXPECT_EQ(snap.state, SessionState::saved);
    EXPECT_EQ(snap.story_code, "MAIN-0001");
    EXPECT_EQ(s().audio_path(), "");

    auto st = cat.get(id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, "complete");
    EXPECT_EQ(st->title, "Rosa's kitchen");
    EXPECT_EQ(st->description, "Recipes, songs and a long walk to school.");
    EXPECT_EQ(st->keywords, (std::vector<std::string>{"family", "food"}));
    EXPECT_EQ(st->language, "en");
    EXPECT_EQ(st->share_level, "community");
    EXPECT_EQ(st->channels, 2);
    EXPECT_NEAR(static_cast<double>(st->duration_ms.value_or(0)), 3000.0, 2.0);
    EXPECT_TRUE(st->lufs.has_value());
    ASSERT_EQ(st->participants.size(), 2u);
    EXPECT_EQ(st->participants[0].name, "Rosa Díaz");
    EXPECT_EQ(st->participants[0].role, "storyteller");
    EXPECT_EQ(st->participants[0].age_range, "70+");
    EXPECT_EQ(st->participants[0].relationship, "grandmother");
    EXPECT_EQ(st->participants[0].mic_channel, 1);
    EXPECT_EQ(st->participants[1].name, "Ana Díaz");
    EXPECT_EQ(st->participants[1].mic_channel, 2);
    for (const auto& p : st->participants) {
        ASSERT_TRUE(p.consent);
        EXPECT_EQ(p.consent->release_version, "2026-1");
        EXPECT_EQ(p.consent->choice, "community");
        EXPECT_EQ(p.consent->typed_name, p.name);
        EXPECT_EQ(p.consent->agreed_at, "2026-11-26T05:02:22.000Z");
    }
    EXPECT_EQ(st->questions, three_questions());
    // One marker per "Next question", at the recorded position (pre-roll included).
    ASSERT_EQ(st->markers.size(), 2u);
    EXPECT_EQ(st->markers[0].offset_ms, 1500);
    EXPECT_EQ(st->markers[0].text, "¿Qué recuerdas de tu abuela?");
    EXPECT_EQ(st->markers[1].offset_ms, 2500);
    EXPECT_EQ(st->markers[1].text, "What are you proudest of?");
    ASSERT_EQ(st->files.size(), 2u);
    for (const auto& f : st->files) {
        const fs::path p = dir.path() / f.path;
        ASSERT_TRUE(fs::exists(p)) << p;
        EXPECT_EQ(f.size, fs::file_size(p));
        EXPECT_EQ(f.sha256, sb::sha256_file(p));
    }
    const auto tags = opus_comments(dir.path() / st->files[0].path);
    EXPECT_TRUE(has_tag(tags, "TITLE=Rosa's kitchen"));
    EXPECT_TRUE(has_tag(tags, "ARTIST=Rosa Díaz, Ana Díaz"));
    EXPECT_TRUE(has_tag(tags, "CHAPTER001=00:00:01.500"));
    EXPECT_TRUE(has_tag(tags, "CHAPTER001NAME=¿Qué recuerdas de tu abuela?"));
    EXPECT_TRUE(has_tag(tags, "CHAPTER002=00:00:02.500"));
    EXPECT_TRUE(has_tag(tags, "CHAPTER002NAME=What are you proudest of?"));
    EXPECT_TRUE(has_tag(tags, "STORY_CODE=MAIN-0001"));
    auto master = read_pcm(dir.path() / st->files[1].path);
    EXPECT_EQ(master.channels, 2);
    EXPECT_EQ(master.frames(), 3u * 48000u);

    EXPECT_TRUE(events.saw(SessionState::mic_check));
    EXPECT_TRUE(events.saw(SessionState::recording));
    EXPECT_TRUE(events.saw(SessionState::review));
    EXPECT_TRUE(events.saw(SessionState::saved));
    EXPECT_TRUE(events.errors.empty());

    // A new session may start from the saved screen.
    s().start("es");
    EXPECT_EQ(state(), SessionState::participants);
    EXPECT_EQ(s().snapshot().story_id, "");
}

TEST_F(SessionTest, SaveWithoutATitleUsesTheSuggestion) {
    to_recording();
    s().stop();
    s().save();
    auto st = cat.get(s().snapshot().story_id);
    EXPECT_EQ(st->title, "Rosa Díaz and Ana Díaz: Where did you grow up?");
    EXPECT_TRUE(has_tag(opus_comments(dir.path() / st->files[0].path), "TITLE=Rosa Díaz and Ana Díaz: Where did you grow up?"));
}

TEST_F(SessionTest, OnePrivateChoiceKeepsTheStoryPrivate) {
    s().start("es");
    s().set_participants(two_people());
    s().set_consent({sb::ConsentInput{1, "share", "Ana Díaz", ""}, sb::ConsentInput{0, "private", "Rosa Díaz", ""}});
    s().set_questions({"¿Dónde creciste?"});
    s().mic_check();
    auto st = cat.get(s().snapshot().story_id);
    EXPECT_EQ(st->share_level, "private");
    EXPECT_EQ(st->language, "es");
    EXPECT_EQ(st->participants[0].consent->choice, "private");
    EXPECT_EQ(st->participants[1].consent->choice, "community");
    EXPECT_EQ(s().snapshot().suggested_title, "Rosa Díaz y Ana Díaz: ¿Dónde creciste?");
}

TEST_F(SessionTest, DeletingWhileRecordingRemovesTheStoryForGood) {
    to_recording();
    feed_and_wait(0.5);
    const std::string id = s().snapshot().story_id;
    const fs::path folder = sb::layout::story_dir(dir.path(), id);
    EXPECT_TRUE(fs::exists(folder / "story.opus"));
    s().discard();
    EXPECT_EQ(state(), SessionState::deleted);
    EXPECT_FALSE(fs::exists(folder));
    EXPECT_FALSE(cat.get(id).has_value());
    EXPECT_TRUE(cat.list().empty());
    auto changes = cat.changes_since(0, 100);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].story_id, id);
    EXPECT_EQ(changes[0].kind, "tombstone");
    EXPECT_EQ(s().audio_path(), "");
    // Nothing for recovery to find either.
    auto rep = sb::recover_stories(cat, dir.path());
    EXPECT_TRUE(rep.recovered.empty());
    EXPECT_TRUE(rep.orphans.empty());
    s().start("en");
    EXPECT_EQ(state(), SessionState::participants);
}

TEST_F(SessionTest, DeletingInReviewRemovesTheStoryForGood) {
    to_recording();
    s().stop();
    const std::string id = s().snapshot().story_id;
    s().review("Never mind", "", {});
    s().discard();
    EXPECT_EQ(state(), SessionState::deleted);
    EXPECT_FALSE(fs::exists(sb::layout::story_dir(dir.path(), id)));
    EXPECT_FALSE(cat.get(id).has_value());
    auto changes = cat.changes_since(0, 100);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, "tombstone");
}

TEST_F(SessionTest, DeletingBeforeTheMicCheckStoresNothing) {
    s().start("en");
    s().set_participants(two_people());
    s().set_consent(both_share());
    s().discard();
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_TRUE(s().snapshot().participants.empty());
    EXPECT_EQ(cat.latest_seq(), 0);
}

TEST_F(SessionTest, DeletingAtTheMicCheckAbandonsTheStory) {
    to_mic_check();
    const std::string id = s().snapshot().story_id;
    s().discard();
    EXPECT_EQ(state(), SessionState::welcome);
    EXPECT_FALSE(cat.get(id).has_value());
    EXPECT_FALSE(fs::exists(sb::layout::story_dir(dir.path(), id)));
    auto changes = cat.changes_since(0, 100);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, "tombstone");
}

TEST_F(SessionTest, OddNamesRoundTrip) {
    const std::string emoji = "👵🏽 Abuela Rosa 🌻";
    const std::string rtl = "مريم الحسن";
    std::string long_name;
    for (int i = 0; i < 200; ++i) long_name += "界";  // 200 characters, 600 bytes
    s().start("en");
    s().set_participants({sb::ParticipantInput{emoji, "storyteller", "", "", 1}, sb::ParticipantInput{rtl, "interviewer", "", "", 2}});
    s().discard();
    s().start("en");
    s().set_participants({sb::ParticipantInput{long_name, "storyteller", "", "", 1}, sb::ParticipantInput{rtl, "interviewer", "", "", 2}});
    s().discard();
    s().start("en");
    s().set_participants({sb::ParticipantInput{emoji, "storyteller", "", "", 1}, sb::ParticipantInput{rtl, "interviewer", "", "", 2}});
    s().set_consent({sb::ConsentInput{0, "share", emoji, ""}, sb::ConsentInput{1, "private", rtl, ""}});
    s().set_questions({long_name});
    s().mic_check();
    ASSERT_TRUE(mic.feed(0.5));
    s().record();
    wait_elapsed(500);
    s().stop();
    s().review(long_name, "", {emoji});
    s().save();
    auto st = cat.get(s().snapshot().story_id);
    ASSERT_EQ(st->participants.size(), 2u);
    EXPECT_EQ(st->participants[0].name, emoji);
    EXPECT_EQ(st->participants[1].name, rtl);
    EXPECT_EQ(st->participants[0].consent->typed_name, emoji);
    EXPECT_EQ(st->title, long_name);
    EXPECT_EQ(st->questions, std::vector<std::string>{long_name});
    EXPECT_EQ(st->keywords, std::vector<std::string>{emoji});
    const auto tags = opus_comments(dir.path() / st->files[0].path);
    EXPECT_TRUE(has_tag(tags, "ARTIST=" + emoji + ", " + rtl));
    EXPECT_TRUE(has_tag(tags, "TITLE=" + long_name));
}

TEST_F(SessionTest, OneParticipantIsEnough) {
    s().start("en");
    s().set_participants({sb::ParticipantInput{"Lee", "storyteller", "", "", 1}});
    s().set_consent({sb::ConsentInput{0, "share", "Lee", ""}});
    s().set_questions({"What do you remember?"});
    s().mic_check();
    auto st = cat.get(s().snapshot().story_id);
    EXPECT_EQ(st->participants.size(), 1u);
    EXPECT_EQ(st->share_level, "community");
}

TEST_F(SessionTest, AMinorWithAGuardianIsRecorded) {
    s().start("en");
    s().set_participants({sb::ParticipantInput{"Sam", "storyteller", "under 18", "grandson", 1},
                          sb::ParticipantInput{"Pat", "interviewer", "65+", "grandmother", 2}});
    s().set_consent({sb::ConsentInput{0, "private", "Sam", "Jo Parent"}, sb::ConsentInput{1, "private", "Pat", ""}});
    s().set_questions({"What is your favourite game?"});
    s().mic_check();
    auto st = cat.get(s().snapshot().story_id);
    EXPECT_EQ(st->participants[0].consent->guardian_name, "Jo Parent");
}

TEST_F(SessionTest, SettingsUpdatedMidSessionApplyToTheNextOne) {
    to_recording();
    auto next = default_settings();
    next.time_limit_s = 600;
    s().update_settings(next);
    EXPECT_EQ(s().snapshot().remaining_ms, 2400 * 1000 - 500);
    s().stop();
    s().save();
    s().start("en");
    EXPECT_EQ(s().snapshot().remaining_ms, 600 * 1000);
}
