// Refusals: every out-of-order call is 409, invalid data 422, no microphone 503, a disk too small
// 507 — and after any of them nothing has changed.
#include "unit/session/session_test_util.hpp"

#include <functional>
#include <map>
#include <set>
#include <sstream>

using namespace sbtest;
using sb::SessionState;

namespace {

// Everything a refusal must leave as it was, as text (so a difference shows in the failure).
std::string fingerprint(const sb::SessionSnapshot& s) {
    std::ostringstream o;
    o << sb::to_string(s.state) << '|' << s.language << '|' << s.story_id << '|' << s.story_code << '|' << s.error << '|'
      << s.current_question << '|' << s.elapsed_ms << '|' << s.remaining_ms << '|' << s.mic_present << '|';
    for (const auto& p : s.participants) o << p.name << '/' << p.role << '/' << p.channel << ';';
    o << '|';
    for (const auto& q : s.questions) o << q << ';';
    return o.str();
}

}  // namespace

class SessionOrder : public SessionTest {
protected:
    // Drives a fresh session into `target`.
    void go_to(SessionState target) {
        switch (target) {
            case SessionState::welcome: s(); return;
            case SessionState::participants: s().start("en"); return;
            case SessionState::consent:
                s().start("en");
                s().set_participants(two_people());
                return;
            case SessionState::questions: to_questions(); return;
            case SessionState::mic_check: to_mic_check(0.5); return;
            case SessionState::recording: to_recording(); return;
            case SessionState::paused:
                to_recording();
                s().pause();
                return;
            case SessionState::mic_lost:
                to_recording();
                mic.set_present(false);
                mic.lose();
                ASSERT_TRUE(wait_for([&] {
                    s().tick();
                    return state() == SessionState::mic_lost;
                }));
                return;
            case SessionState::review:
                to_recording();
                s().stop();
                return;
            case SessionState::saved:
                to_recording();
                s().stop();
                s().save();
                return;
            case SessionState::deleted:
                to_recording();
                s().discard();
                return;
        }
    }
};

TEST_F(SessionOrder, EveryOutOfOrderCallIs409AndChangesNothing) {
    // Arguments that are valid, so the order is the only thing wrong.
    const std::map<std::string, std::function<void(sb::SessionManager&)>> calls = {
        {"start", [](sb::SessionManager& m) { m.start("en"); }},
        {"set_participants", [](sb::SessionManager& m) { m.set_participants(two_people()); }},
        {"set_consent", [](sb::SessionManager& m) { m.set_consent(both_share()); }},
        {"set_questions", [](sb::SessionManager& m) { m.set_questions(three_questions()); }},
        {"mic_check", [](sb::SessionManager& m) { m.mic_check(); }},
        {"record", [](sb::SessionManager& m) { m.record(); }},
        {"pause", [](sb::SessionManager& m) { m.pause(); }},
        {"resume", [](sb::SessionManager& m) { m.resume(); }},
        {"next_question", [](sb::SessionManager& m) { m.next_question(); }},
        {"stop", [](sb::SessionManager& m) { m.stop(); }},
        {"review", [](sb::SessionManager& m) { m.review("A title", "", {}); }},
        {"save", [](sb::SessionManager& m) { m.save(); }},
        {"discard", [](sb::SessionManager& m) { m.discard(); }},
    };
    const std::map<SessionState, std::set<std::string>> allowed = {
        {SessionState::welcome, {"start"}},
        {SessionState::participants, {"set_participants", "discard"}},
        {SessionState::consent, {"set_consent", "discard"}},
        {SessionState::questions, {"set_questions", "mic_check", "discard"}},
        {SessionState::mic_check, {"record", "discard"}},
        {SessionState::recording, {"pause", "next_question", "stop", "discard"}},
        {SessionState::paused, {"resume", "next_question", "stop", "discard"}},
        {SessionState::mic_lost, {"stop", "discard"}},
        {SessionState::review, {"review", "save", "discard"}},
        {SessionState::saved, {"start"}},
        {SessionState::deleted, {"start"}},
    };
    for (const auto& [st, ok] : allowed) {
        SCOPED_TRACE(sb::to_string(st));
        session.reset();
        go_to(st);
        ASSERT_EQ(state(), st);
        const std::string before = fingerprint(s().snapshot());
        const std::int64_t seq = cat.latest_seq();
        const std::size_t stories = cat.list().size();
        for (const auto& [name, call] : calls) {
            if (ok.count(name)) continue;
            SCOPED_TRACE(name);
            try {
                call(s());
                ADD_FAILURE() << name << " was accepted";
            } catch (const sb::SessionError& e) {
                EXPECT_EQ(e.status(), 409) << e.what();
                const std::string msg = e.what();
                EXPECT_GT(msg.size(), 10u);
                EXPECT_EQ(msg.back(), '.') << msg;  // a sentence
            }
            EXPECT_EQ(fingerprint(s().snapshot()), before);
            EXPECT_EQ(cat.latest_seq(), seq);
            EXPECT_EQ(cat.list().size(), stories);
        }
        if (st == SessionState::mic_lost) mic.set_present(true);
    }
}

TEST_F(SessionTest, OutOfOrderMessagesSayWhatToDo) {
    s().start("en");
    s().set_participants(two_people());
    try {
        s().set_questions(three_questions());
        FAIL();
    } catch (const sb::SessionError& e) {
        EXPECT_STREQ(e.what(), "Please finish the consent step first.");
    }
    EXPECT_EQ(status_of([&] { s().start("en"); }), 409);  // one session at a time
}

TEST_F(SessionTest, NextQuestionAfterTheLastIs409) {
    to_recording();
    s().next_question();
    s().next_question();
    const auto before = fingerprint(s().snapshot());
    EXPECT_EQ(status_of([&] { s().next_question(); }), 409);
    EXPECT_EQ(fingerprint(s().snapshot()), before);
    EXPECT_EQ(cat.get(s().snapshot().story_id)->markers.size(), 2u);
}

TEST_F(SessionTest, InvalidInputsAre422AndChangeNothing) {
    auto expect_422 = [&](const char* what, const std::function<void()>& f) {
        SCOPED_TRACE(what);
        const auto before = fingerprint(s().snapshot());
        const auto seq = cat.latest_seq();
        EXPECT_EQ(status_of(f), 422);
        EXPECT_EQ(fingerprint(s().snapshot()), before);
        EXPECT_EQ(cat.latest_seq(), seq);
    };
    using P = sb::ParticipantInput;
    using C = sb::ConsentInput;
    expect_422("bad language", [&] { s().start("fr"); });
    expect_422("no language", [&] { s().start(""); });
    s().start("en");
    expect_422("nobody", [&] { s().set_participants({}); });
    expect_422("three people", [&] {
        s().set_participants({P{"A", "storyteller", "", "", 1}, P{"B", "interviewer", "", "", 2}, P{"C", "interviewer", "", "", 2}});
    });
    expect_422("empty name", [&] { s().set_participants({P{"", "storyteller", "", "", 1}}); });
    expect_422("blank name", [&] { s().set_participants({P{"   ", "storyteller", "", "", 1}}); });
    expect_422("201 characters", [&] { s().set_participants({P{std::string(201, 'x'), "storyteller", "", "", 1}}); });
    expect_422("not UTF-8", [&] { s().set_participants({P{"Ros\xe1", "storyteller", "", "", 1}}); });
    expect_422("control character", [&] { s().set_participants({P{"Ro\nsa", "storyteller", "", "", 1}}); });
    expect_422("bad role", [&] { s().set_participants({P{"Rosa", "narrator", "", "", 1}}); });
    expect_422("no storyteller", [&] { s().set_participants({P{"Rosa", "interviewer", "", "", 1}}); });
    expect_422("duplicate channel", [&] {
        s().set_participants({P{"Rosa", "storyteller", "", "", 1}, P{"Ana", "interviewer", "", "", 1}});
    });
    expect_422("channel 3", [&] { s().set_participants({P{"Rosa", "storyteller", "", "", 3}}); });
    expect_422("channel 0", [&] { s().set_participants({P{"Rosa", "storyteller", "", "", 0}}); });
    s().set_participants({P{"Sam", "storyteller", "under 18", "grandson", 1}, P{"Pat", "interviewer", "", "", 2}});
    expect_422("minor without guardian", [&] { s().set_consent({C{0, "private", "Sam", ""}, C{1, "private", "Pat", ""}}); });
    expect_422("one consent missing", [&] { s().set_consent({C{0, "private", "Sam", "Jo"}}); });
    expect_422("same person twice", [&] { s().set_consent({C{0, "private", "Sam", "Jo"}, C{0, "private", "Sam", "Jo"}}); });
    expect_422("no such person", [&] { s().set_consent({C{0, "private", "Sam", "Jo"}, C{2, "private", "Pat", ""}}); });
    expect_422("bad choice", [&] { s().set_consent({C{0, "maybe", "Sam", "Jo"}, C{1, "private", "Pat", ""}}); });
    expect_422("community is not a choice here", [&] { s().set_consent({C{0, "community", "Sam", "Jo"}, C{1, "private", "Pat", ""}}); });
    expect_422("no typed name", [&] { s().set_consent({C{0, "share", "Sam", "Jo"}, C{1, "share", "", ""}}); });
    s().set_consent({C{0, "share", "Sam", "Jo"}, C{1, "share", "Pat", ""}});
    expect_422("no questions", [&] { s().set_questions({}); });
    expect_422("21 questions", [&] { s().set_questions(std::vector<std::string>(21, "Why?")); });
    expect_422("empty question", [&] { s().set_questions({"Why?", ""}); });
    expect_422("501 characters", [&] { s().set_questions({std::string(501, 'q')}); });
    s().set_questions(std::vector<std::string>(20, std::string(500, 'q')));  // the limits themselves are fine
    EXPECT_EQ(state(), SessionState::questions);
    s().mic_check();
    ASSERT_TRUE(mic.feed(0.5));
    s().record();
    wait_elapsed(500);
    s().stop();
    expect_422("title too long", [&] { s().review(std::string(201, 't'), "", {}); });
    expect_422("description too long", [&] { s().review("", std::string(2001, 'd'), {}); });
    expect_422("21 keywords", [&] { s().review("", "", std::vector<std::string>(21, "k")); });
    s().review("", std::string(2000, 'd'), std::vector<std::string>(20, "k"));  // at the limits
}

TEST_F(SessionTest, NoMicrophoneIs503AtMicCheck) {
    to_questions();
    mic.set_present(false);
    const auto seq = cat.latest_seq();
    try {
        s().mic_check();
        FAIL() << "mic check without a microphone";
    } catch (const sb::SessionError& e) {
        EXPECT_EQ(e.status(), 503);
        EXPECT_STREQ(e.what(), "no microphone is connected");
    }
    EXPECT_EQ(state(), SessionState::questions);
    EXPECT_FALSE(s().snapshot().mic_present);
    EXPECT_EQ(cat.latest_seq(), seq);
    EXPECT_TRUE(cat.list().empty());
    mic.set_present(true);
    s().mic_check();
    EXPECT_EQ(state(), SessionState::mic_check);
    EXPECT_TRUE(s().snapshot().mic_present);
}

TEST_F(SessionTest, DiskTooSmallIs507AtRecordAndStaysInMicCheck) {
    std::atomic<std::uint64_t> free{100ull << 20};  // 100 MB: not 40 minutes of master + listening copy
    settings.free_bytes = [&free] { return free.load(); };
    to_mic_check();
    const auto before = fingerprint(s().snapshot());
    EXPECT_EQ(status_of([&] { s().record(); }), 507);
    EXPECT_EQ(state(), SessionState::mic_check);
    EXPECT_EQ(fingerprint(s().snapshot()), before);
    EXPECT_TRUE(cat.get(s().snapshot().story_id)->markers.empty());
    // Levels keep flowing; with room, recording starts.
    const int levels = events.level_count();
    ASSERT_TRUE(mic.feed(0.5));
    ASSERT_TRUE(wait_for([&] { return events.level_count() >= levels + 5; }));
    free = 10ull << 30;
    s().record();
    EXPECT_EQ(state(), SessionState::recording);
}
