#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "support/support.hpp"

#include <chrono>
#include <fstream>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <set>

TEST(Ids, UuidsAreVersion4AndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        std::string u = sb::new_uuid();
        ASSERT_TRUE(sb::is_uuid(u)) << u;
        ASSERT_EQ(u[14], '4');
        ASSERT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
        ASSERT_TRUE(seen.insert(u).second);
    }
}

TEST(Ids, IsUuidRejectsPathTricks) {
    EXPECT_FALSE(sb::is_uuid("../../etc/passwd"));
    EXPECT_FALSE(sb::is_uuid("0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6"));
    EXPECT_FALSE(sb::is_uuid("0B9F1C2E-1D7A-4C1B-9F3E-2A1B3C4D5E6F"));
}

TEST(Hash, Sha256MatchesKnownVectors) {
    EXPECT_EQ(sb::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sb::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, FileHashEqualsHashOfItsBytes) {
    sbtest::TempDir t;
    std::string data(3'000'000, 'x');
    for (std::size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
    sb::write_file_atomic(t / "f", data);
    EXPECT_EQ(sb::sha256_file(t / "f"), sb::sha256_hex(data));
}

TEST(Fs, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
    sbtest::TempDir t;
    sb::write_file_atomic(t / "a.json", "first");
    sb::write_file_atomic(t / "a.json", "second");
    EXPECT_EQ(sb::read_file(t / "a.json"), "second");
    EXPECT_FALSE(std::filesystem::exists(t / "a.json.tmp"));
}

TEST(Fs, AnAtomicWriteOfASecretIsNeverWiderThanItsModeEvenOverALeftoverTemporary) {
    sbtest::TempDir t;
    // A crash left a world-readable temporary behind: it must not lend its mode to the secret.
    { std::ofstream(t / "tokens.json.tmp") << "old"; }
    ASSERT_EQ(::chmod((t / "tokens.json.tmp").c_str(), 0666), 0);
    sb::write_file_atomic(t / "tokens.json", "{\"booth\": \"secret\"}", 0600);
    struct stat st {};
    ASSERT_EQ(::stat((t / "tokens.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(sb::read_file(t / "tokens.json"), "{\"booth\": \"secret\"}");
    EXPECT_FALSE(std::filesystem::exists(t / "tokens.json.tmp"));
}

TEST(Fs, ReadingAMissingFileNamesItInTheError) {
    try {
        sb::read_file("/nonexistent/story.opus");
        FAIL();
    } catch (const sb::IoError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/story.opus"), std::string::npos);
        EXPECT_FALSE(e.disk_full());
    }
}

TEST(Clock, IsoFormatsAreUtcWithMilliseconds) {
    using namespace std::chrono;
    system_clock::time_point t{milliseconds(1'764'133'342'123)};
    EXPECT_EQ(sb::iso8601_utc(t), "2025-11-26T05:02:22.123Z");
    EXPECT_EQ(sb::iso_date_utc(t), "2025-11-26");
}
