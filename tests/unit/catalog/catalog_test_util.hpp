#pragma once
// Shared by the catalog tests: a fresh folder per test, a clock the test controls, and a raw
// connection for looking underneath the Catalog API.
#include "catalog/catalog.hpp"
#include "catalog/sqlite.hpp"
#include "common/clock.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace sb::test {

namespace fs = std::filesystem;

// Starts at a fixed instant and moves one millisecond forward each time it is read, so every
// timestamp differs but every run sees the same ones.
class TestClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return start_ + std::chrono::milliseconds(ticks_.fetch_add(1));
    }
    bool trusted() const override { return true; }
    void pin(std::chrono::system_clock::time_point t) {
        start_ = t;
        ticks_ = 0;
    }

private:
    // 2026-11-26T05:02:22.000Z
    std::chrono::system_clock::time_point start_{std::chrono::seconds(1795669342)};
    mutable std::atomic<long long> ticks_{0};
};

class CatalogTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sb-catalog-test-" + new_uuid());
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    fs::path db_path() const { return dir_ / "catalog.db"; }
    Catalog open_catalog() { return Catalog::open(db_path(), clock_); }
    // A second connection that bypasses the Catalog API (foreign keys on, like the catalog's).
    Database raw() const { return Database::open(db_path(), false); }

    std::int64_t count(const std::string& sql, const std::string& param = {}) const {
        Database db = raw();
        Statement st = db.prepare(sql);
        if (!param.empty()) st.bind(1, param);
        EXPECT_TRUE(st.step());
        return st.int64(0);
    }

    fs::path dir_;
    std::shared_ptr<TestClock> clock_ = std::make_shared<TestClock>();
};

inline Consent consent(const std::string& choice, const std::string& typed_name, const std::string& guardian = {}) {
    return Consent{"release-2026-01", choice, typed_name, guardian, "2026-11-26T05:00:00.000Z"};
}

inline NewStory two_person_story(const std::string& title = "Grandma's kitchen") {
    NewStory ns;
    ns.title = title;
    ns.description = "Two cousins remember the summer of 1974.";
    ns.language = "en";
    ns.channels = 2;
    ns.created_at = "2026-11-26T05:01:00.000Z";
    ns.clock_trusted = true;
    ns.participants = {
        Participant{"Rosa Delgado", "60-69", "cousin", "storyteller", 0, consent("community", "Rosa Delgado")},
        Participant{"Ana Delgado", "13-17", "cousin", "interviewer", 1,
                    consent("community", "Ana Delgado", "Maria Delgado")},
    };
    ns.questions = {"What did the kitchen smell like?", "Who cooked?", "What do you miss?"};
    ns.keywords = {"family", "food", "1970s"};
    return ns;
}

inline StoryFile file(const std::string& kind, const std::string& path, std::uint64_t size) {
    return StoryFile{kind, path, size, sha256_hex(kind + path)};
}

inline Finish complete_finish() {
    Finish f;
    f.state = "complete";
    f.duration_ms = 1'234'567;
    f.lufs = -18.25;
    f.true_peak_dbtp = -1.5;
    f.ended_at = "2026-11-26T05:25:00.000Z";
    f.files = {file("listening", "story.opus", 9'876'543), file("master", "master.flac", 123'456'789'012)};
    return f;
}

}  // namespace sb::test
