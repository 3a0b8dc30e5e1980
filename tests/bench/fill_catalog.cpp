// Fills a catalog with N finished stories (for the daemon start-up and search benchmarks).
//   bench_fill_catalog DATA_DIR N
#include "catalog/catalog.hpp"
#include "common/fs.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_fill_catalog DATA_DIR N\n");
        return 2;
    }
    const std::filesystem::path data = argv[1];
    const int n = std::atoi(argv[2]);
    sb::make_dirs_durable(data);
    auto cat = sb::Catalog::open(data / "catalog.db");
    const char* names[] = {"Rosa", "Leo", "Amina", "Tomás", "Mei", "Olu", "Sven", "Priya"};
    const char* words[] = {"river", "harvest", "grandmother", "migration", "factory", "school", "war", "wedding"};
    for (int i = 0; i < n; ++i) {
        sb::NewStory ns;
        ns.title = std::string("Story about the ") + words[i % 8] + " " + std::to_string(i);
        ns.description = std::string("Remembering the ") + words[(i / 8) % 8] + ".";
        ns.participants.push_back({names[i % 8], "70+", "grandparent", "storyteller", 1, std::nullopt});
        ns.participants.push_back({names[(i + 3) % 8], "18-29", "grandchild", "interviewer", 2, std::nullopt});
        ns.keywords = {words[i % 8], words[(i + 1) % 8]};
        auto s = cat.create_story(ns);
        sb::Finish f;
        f.state = "complete";
        f.duration_ms = 600000 + i;
        f.lufs = -20.0;
        cat.finish_story(s.id, f);
    }
    std::printf("%d stories in %s\n", n, (data / "catalog.db").c_str());
    return 0;
}
