#pragma once
// Shared by the feed tests: a booth data folder with a catalog, and finished stories whose
// files really exist (random bytes stand in for audio: the feed only moves and hashes them).
#include "catalog/catalog.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace sb::test {

namespace fs = std::filesystem;

class FeedTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sb-feed-test-" + new_uuid());
        fs::create_directories(data());
        catalog_ = std::make_unique<Catalog>(Catalog::open(data() / "catalog.db"));
    }
    void TearDown() override {
        catalog_.reset();
        std::error_code ec;
        fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(dir_, ec);
    }

    fs::path data() const { return dir_ / "data"; }
    Catalog& cat() { return *catalog_; }
    feed::BoothInfo booth() { return feed::booth_info(cat(), "9.9.9"); }

    // Random bytes written to a story file; returns its catalog record.
    StoryFile write_file(const std::string& id, const std::string& kind, std::size_t size) {
        const std::string name = feed::file_name_for_kind(kind);
        fs::create_directories(data() / "stories" / id);
        std::string bytes(size, '\0');
        std::mt19937 rng(static_cast<unsigned>(size) ^ static_cast<unsigned>(std::hash<std::string>{}(id + kind)));
        for (char& c : bytes) c = static_cast<char>(rng());
        write_file_atomic(data() / "stories" / id / name, bytes);
        return StoryFile{kind, "stories/" + id + "/" + name, size, sha256_hex(bytes)};
    }

    // A story made the way the booth makes one: created (recording), then finished with files.
    Story finished_story(const std::string& title, std::size_t opus_size = 3000, std::size_t flac_size = 7000) {
        NewStory ns;
        ns.title = title;
        ns.description = "About " + title;
        ns.participants = {Participant{"Rosa Díaz", "70+", "grandmother", "storyteller", 0,
                                       Consent{"release-2026-01", "community", "Rosa Díaz", "", "2026-11-26T05:00:00.000Z"}},
                           Participant{"Leo", "13-17", "grandson", "interviewer", 1,
                                       Consent{"release-2026-01", "community", "Leo", "Maria Díaz", "2026-11-26T05:00:00.000Z"}}};
        ns.questions = {"Where did you grow up?"};
        ns.keywords = {"family"};
        Story s = cat().create_story(ns);
        cat().add_marker(s.id, Marker{1500, "Where did you grow up?"});
        Finish f;
        f.state = "complete";
        f.duration_ms = 61'000;
        f.lufs = -18.237;
        f.true_peak_dbtp = -1.5;
        f.files = {write_file(s.id, "listening", opus_size)};
        if (flac_size) f.files.push_back(write_file(s.id, "master", flac_size));
        cat().finish_story(s.id, f);
        return *cat().get(s.id);
    }

    fs::path dir_;
    std::unique_ptr<Catalog> catalog_;
};

}  // namespace sb::test
