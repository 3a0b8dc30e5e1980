#pragma once
// Shared by the auth tests: a clock the test moves by hand (no sleeping), a fresh catalog per
// test, and a way to read the catalog's files as raw bytes.
#include "auth/auth.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sb::test {

namespace fs = std::filesystem;

// Stands still until the test moves it.
class FakeClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        std::lock_guard lock(mu_);
        return now_;
    }
    bool trusted() const override { return true; }
    void advance(std::chrono::system_clock::duration d) {
        std::lock_guard lock(mu_);
        now_ += d;
    }

private:
    mutable std::mutex mu_;
    // 2026-11-26T05:02:22.000Z
    std::chrono::system_clock::time_point now_{std::chrono::seconds(1795669342)};
};

class AuthTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sb-auth-test-" + new_uuid());
        fs::create_directories(dir_);
        catalog_.emplace(open_catalog());
    }
    void TearDown() override {
        catalog_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    fs::path db_path() const { return dir_ / "catalog.db"; }
    Catalog open_catalog() { return Catalog::open(db_path(), clock_); }
    Catalog& catalog() { return *catalog_; }
    // Closes the catalog and opens the same file again, as a restart would.
    void reopen() {
        catalog_.reset();
        catalog_.emplace(open_catalog());
    }

    // Every byte SQLite has written for the catalog: the database file, its WAL and shared memory.
    std::string catalog_bytes() const {
        std::string all;
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::ifstream f(db_path().string() + suffix, std::ios::binary);
            all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        }
        return all;
    }

    fs::path dir_;
    std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
    std::optional<Catalog> catalog_;
};

}  // namespace sb::test
