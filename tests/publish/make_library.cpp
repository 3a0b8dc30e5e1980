// make_library LIBRARY N [SECONDS [nomaster]] — a storysync library of N finished stories from
// one booth, with real spoken audio (the first SECONDS of a conversation; 0 or none: all of its
// ~30 s), and a FLAC master unless "nomaster" is given. Every
// story is shared with the community except every fifth, which is private and has a secret
// link. The first three have fixed names, for the site's browser test:
//   "River days" (Ana Ruiz, José Ruiz), "The bakery on Main" (Ngozi Okafor, Wei Chen) and
//   "Just for the family" (private, secret link; Mía Torres, Émile Laurent).
// Prints {"library", "booth_id", "stories": [{"id", "code", "title", "shared", "secret_link"}]}.
#include "library_fixture.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
    if (argc < 3 || std::string(argv[1]) == "--help") {
        std::fprintf(stderr, "usage: make_library LIBRARY N [SECONDS [nomaster]]\n");
        return 2;
    }
    try {
        using namespace sbtest;
        const fs::path root = argv[1];
        const int n = std::stoi(argv[2]);
        const int seconds = argc > 3 ? std::stoi(argv[3]) : 0;
        fs::create_directories(root);
        StoryAudio a = make_story_audio(root / ".fixture-audio", seconds);
        if (argc > 4 && std::string(argv[4]) == "nomaster") a.flac.clear();
        auto lib = sb::storysync::Library::open(root, true);
        const auto booth = fixture_booth("Main library", "MAIN");
        lib.save_booth(booth);
        nlohmann::json out = {{"library", root.string()}, {"booth_id", booth.id}, {"stories", nlohmann::json::array()}};
        for (int i = 0; i < n; ++i) {
            char code[32], day[40];
            std::snprintf(code, sizeof code, "MAIN-%04d", i + 1);
            std::snprintf(day, sizeof day, "2026-%02d-%02dT%02d:%02d:00Z", 1 + (i / 28) % 12, 1 + i % 28, 9 + i % 8, i % 60);
            const bool secret = i % 5 == 2;
            std::string title = i == 0 ? "River days" : i == 1 ? "The bakery on Main" : i == 2 ? "Just for the family"
                                                                                              : "Story number " + std::to_string(i + 1);
            sb::Story s = fixture_story(code, title, secret ? "private" : "community", day);
            if (i == 1) {
                s.participants[0].name = "Ngozi Okafor";
                s.participants[1].name = "Wei Chen";
                s.keywords = {"bread", "work"};
            } else if (i == 2) {
                s.participants[0].name = "Mía Torres";
                s.participants[1].name = "Émile Laurent";
            } else if (i > 2) {
                s.participants[0].name = "Interviewer " + std::to_string(i + 1);
                s.participants[1].name = "Storyteller " + std::to_string(i + 1);
            }
            if (secret) s.secret_link = sb::new_secret_link();
            add_story(lib, booth.id, s, a);
            out["stories"].push_back({{"id", s.id}, {"code", s.code}, {"title", s.title},
                                      {"shared", !secret}, {"secret_link", s.secret_link}});
        }
        fs::remove_all(root / ".fixture-audio");
        std::printf("%s\n", out.dump().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_library: %s\n", e.what());
        return 1;
    }
}
