#pragma once
// Libraries for the publishing tests and benchmarks: stories as a booth would send them (the
// sync protocol's STORY JSON, with participants, consents, markers, keywords and secret links)
// committed into a real storysync library with real audio files (spoken audio made with
// espeak-ng, encoded with opusenc and flac).
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"
#include "library/library.hpp"
#include "support/support.hpp"

#include <random>
#include <stdexcept>

namespace sbtest {

struct StoryAudio {
    fs::path opus, flac;
};

// Spoken audio in `dir`, as story.opus and master.flac: the whole conversation (about 30 s) when
// `seconds` is 0, else its first `seconds` seconds.
inline StoryAudio make_story_audio(const fs::path& dir, int seconds) {
    fs::create_directories(dir);
    const fs::path wav = dir / "talk.wav";
    StoryAudio a{dir / "story.opus", dir / "master.flac"};
    auto r = run(q(conversation_script()) + " " + q(wav.string()));
    if (r.exit_code != 0) throw std::runtime_error("make-conversation failed: " + r.err);
    if (seconds > 0) {
        r = run("sox " + q(wav.string()) + " " + q((dir / "cut.wav").string()) + " trim 0 " + std::to_string(seconds) +
                " && mv " + q((dir / "cut.wav").string()) + " " + q(wav.string()));
        if (r.exit_code != 0) throw std::runtime_error("sox trim failed: " + r.err);
    }
    r = run("opusenc --quiet " + q(wav.string()) + " " + q(a.opus.string()) + " && sox " + q(wav.string()) + " " +
            q(a.flac.string()));
    if (r.exit_code != 0) throw std::runtime_error("opusenc/sox failed: " + r.err);
    return a;
}

inline sb::storysync::BoothRecord fixture_booth(const std::string& name, const std::string& code) {
    sb::storysync::BoothRecord b;
    b.id = sb::new_uuid();
    b.name = name;
    b.code = code;
    b.version = "0.1.0";
    b.added_at = "2026-11-01T09:00:00Z";
    return b;
}

inline sb::Participant person(const std::string& name, const std::string& role, const std::string& choice) {
    sb::Participant p;
    p.name = name;
    p.role = role;
    p.relationship = role == "interviewer" ? "grandchild" : "grandparent";
    p.age_range = "65+";
    p.mic_channel = role == "interviewer" ? 0 : 1;
    if (!choice.empty()) {
        sb::Consent c;
        c.release_version = "2026-1";
        c.choice = choice;
        c.typed_name = name;
        c.agreed_at = "2026-11-02T10:00:00Z";
        p.consent = c;
    }
    return p;
}

// A finished story with two people who both chose `choice` ("community" or "private").
inline sb::Story fixture_story(const std::string& code, const std::string& title, const std::string& choice,
                               const std::string& created_at = "2026-11-02T10:00:00Z") {
    sb::Story s;
    s.id = sb::new_uuid();
    s.code = code;
    s.state = "complete";
    s.title = title;
    s.description = "A conversation about " + title + ".";
    s.language = "en";
    s.share_level = choice == "community" ? "community" : "private";
    s.created_at = s.started_at = created_at;
    s.ended_at = s.updated_at = created_at;
    s.clock_trusted = true;
    s.duration_ms = 8000;
    s.channels = 2;
    s.sample_rate = 48000;
    s.bitrate = 64000;
    s.participants = {person("Ana Ruiz", "interviewer", choice), person("José Ruiz", "storyteller", choice)};
    s.questions = {"Where did you grow up?", "What did you do for fun?"};
    s.markers = {{0, "Where did you grow up?"}, {3500, "What did you do for fun?"}};
    s.keywords = {"family", "river"};
    return s;
}

// Copies the audio in as the story's files (the master only when `audio.flac` is set) and commits
// the story with its STORY JSON.
inline void add_story(sb::storysync::Library& lib, const std::string& booth_id, sb::Story s, const StoryAudio& audio) {
    s.files.clear();
    for (const auto& [kind, src, name] : {std::tuple{"listening", audio.opus, sb::feed::kListeningName},
                                          std::tuple{"master", audio.flac, sb::feed::kMasterName}}) {
        if (src.empty()) continue;
        const fs::path dst = lib.file_path(booth_id, s.id, name);
        fs::create_directories(dst.parent_path());
        fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
        s.files.push_back({kind, "stories/" + s.id + "/" + name, fs::file_size(dst), sb::sha256_file(dst)});
    }
    lib.commit_story(booth_id, s, sb::feed::story_to_json(s).dump());
}

// Commits a new version of a story already in the library (new metadata, the same files).
inline void update_story(sb::storysync::Library& lib, const std::string& booth_id, sb::Story s) {
    const auto current = lib.story(booth_id, s.id);
    if (!current) throw std::runtime_error("update_story: no story " + s.id);
    s.files = sb::feed::story_from_json(nlohmann::json::parse(current->story_json)).files;
    lib.commit_story(booth_id, s, sb::feed::story_to_json(s).dump());
}

// A story with random people, consents, state, secret link and text: sometimes shareable, often
// not, and now and then a record no booth would send (a "community" level that not every consent
// backs, a withdrawn or unfinished story) to prove the laptop's own check.
inline sb::Story random_story(std::mt19937& rng, int n) {
    auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
    static const char* names[] = {"Ana", "José", "Mía", "Ngozi", "Wei", "Dvora דבורה", "Layla ليلى", "Émile 🎻"};
    const int people = 1 + pick(3);
    const bool want_share = pick(2) == 0;
    sb::Story s = fixture_story("MAIN-" + std::to_string(1000 + n), "Story " + std::to_string(n) + " " + names[pick(8)],
                                want_share ? "community" : "private",
                                "2026-11-" + std::to_string(10 + pick(18)) + "T1" + std::to_string(pick(10)) + ":00:00Z");
    s.participants.clear();
    for (int i = 0; i < people; ++i) {
        std::string choice = want_share ? "community" : (pick(2) ? "community" : "private");
        if (want_share && pick(6) == 0) choice = "private";  // one person said no
        if (pick(10) == 0) choice = "";                        // no consent recorded
        s.participants.push_back(person(std::string(names[pick(8)]) + " " + std::to_string(n) + "-" + std::to_string(i),
                                        i == 0 ? "interviewer" : "storyteller", choice));
    }
    if (!want_share && pick(8) == 0) s.share_level = "community";  // a level no consent backs
    const int st = pick(12);
    s.state = st == 0 ? "withdrawn" : st == 1 ? "recording" : st == 2 ? "recovered" : "complete";
    if (pick(3) == 0) s.secret_link = sb::new_secret_link();
    s.keywords = {"kw" + std::to_string(n), names[pick(8)]};
    return s;
}

}  // namespace sbtest
