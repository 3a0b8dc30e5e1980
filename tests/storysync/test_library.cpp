// The library's catalog and folders, the token file, booth addresses, and the verified download
// (resume, re-hash of what was kept, a damaged prefix, too many bytes).
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "library/library.hpp"
#include "library/tokens.hpp"
#include "support/support.hpp"
#include "transfer/booth_client.hpp"
#include "transfer/download.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace sb::storysync;
using sbtest::TempDir;
namespace fs = std::filesystem;

namespace {

sb::Story story(const std::string& code, const std::string& title, std::vector<sb::StoryFile> files = {}) {
    sb::Story s;
    s.id = sb::new_uuid();
    s.code = code;
    s.state = "complete";
    s.title = title;
    s.share_level = "private";
    s.language = "en";
    s.created_at = "2026-11-26T10:00:00Z";
    s.files = std::move(files);
    return s;
}

BoothRecord booth(const std::string& name, const std::string& code) {
    BoothRecord b;
    b.id = sb::new_uuid();
    b.name = name;
    b.code = code;
    return b;
}

void write(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
}

// Serves bytes from memory, honouring offsets the way the booth does (If-Range aside).
class MemorySource : public Source {
public:
    explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
    std::string describe() const override { return "memory"; }
    sb::feed::ChangesPage changes(std::int64_t, int) override { return {}; }
    void fetch(const std::string&, const std::string&, std::uint64_t offset, const std::string&, FetchSink& sink) override {
        ++fetches;
        offsets.push_back(offset);
        sink.begin(offset);
        for (std::size_t p = offset; p < bytes_.size(); p += 4096)
            sink.data(bytes_.data() + p, std::min<std::size_t>(4096, bytes_.size() - p));
    }
    void ack(std::int64_t) override {}
    int fetches = 0;
    std::vector<std::uint64_t> offsets;
    std::string bytes_;
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7919) >> 3);
    return s;
}

}  // namespace

TEST(Library, StoriesAreKeyedByBoothAndStorySoCodesMayRepeatAcrossBooths) {
    TempDir t;
    auto lib = Library::open(t / "lib", true);
    const auto a = booth("Main library", "MAIN"), b = booth("Branch", "MAIN");
    lib.save_booth(a);
    lib.save_booth(b);
    auto s1 = story("MAIN-0001", "River days"), s2 = story("MAIN-0001", "Factory years");
    lib.commit_story(a.id, s1, "{}");
    lib.commit_story(b.id, s2, "{}");
    EXPECT_EQ(lib.story_count(), 2);
    EXPECT_EQ(lib.find_stories("main-0001").size(), 2u);
    EXPECT_EQ(lib.find_stories(s2.id).size(), 1u);
    EXPECT_EQ(lib.stories({a.id, "", ""}).size(), 1u);
    EXPECT_NE(lib.story_dir(a.id, s1.id), lib.story_dir(b.id, s1.id));
}

TEST(Library, FindsABoothByNameCodeOrIdAndRefusesAnAmbiguousName) {
    TempDir t;
    auto lib = Library::open(t / "lib", false);
    const auto a = booth("Story booth", "MAIN"), b = booth("Story booth", "WEST");
    lib.save_booth(a);
    lib.save_booth(b);
    EXPECT_EQ(lib.find_booth("west").id, b.id);
    EXPECT_EQ(lib.find_booth(a.id).id, a.id);
    EXPECT_EQ(lib.find_booth(a.id.substr(0, 8)).id, a.id);
    EXPECT_THROW(lib.find_booth("story booth"), sb::Error);
    EXPECT_THROW(lib.find_booth("nowhere"), sb::Error);
}

TEST(Library, ACommittedStoryReplacesItsFilesAndARemovedOneLeavesNoRowOrFile) {
    TempDir t;
    auto lib = Library::open(t / "lib", true);
    const auto a = booth("Main", "MAIN");
    lib.save_booth(a);
    auto s = story("MAIN-0001", "Harvest", {{"listening", "stories/x/story.opus", 3, std::string(64, 'a')},
                                           {"master", "stories/x/master.flac", 4, std::string(64, 'b')}});
    write(lib.file_path(a.id, s.id, "story.opus"), "abc");
    write(lib.file_path(a.id, s.id, "master.flac"), "abcd");
    lib.commit_story(a.id, s, "{\"v\":1}");
    ASSERT_TRUE(lib.file(a.id, s.id, "master.flac"));
    EXPECT_EQ(lib.file(a.id, s.id, "master.flac")->size, 4u);

    s.files.pop_back();  // the master is no longer offered
    lib.commit_story(a.id, s, "{\"v\":2}");
    lib.remove_unlisted_files(a.id, s.id);
    EXPECT_FALSE(lib.file(a.id, s.id, "master.flac"));
    EXPECT_FALSE(fs::exists(lib.file_path(a.id, s.id, "master.flac")));
    EXPECT_EQ(lib.story(a.id, s.id)->story_json, "{\"v\":2}");

    EXPECT_TRUE(lib.remove_story(a.id, s.id));
    EXPECT_FALSE(lib.story(a.id, s.id));
    EXPECT_FALSE(fs::exists(lib.story_dir(a.id, s.id)));
    EXPECT_FALSE(lib.remove_story(a.id, s.id));
}

TEST(Library, SearchNeedsEveryWordInAnyCase) {
    TempDir t;
    auto lib = Library::open(t / "lib", false);
    const auto a = booth("Main", "MAIN");
    lib.save_booth(a);
    auto s1 = story("MAIN-0001", "Grandmother's kitchen");
    s1.participants.push_back({"Rosa Díaz", "", "", "storyteller", 1, std::nullopt});
    auto s2 = story("MAIN-0002", "The kitchen at the factory");
    lib.commit_story(a.id, s1, "{}");
    lib.commit_story(a.id, s2, "{}");
    EXPECT_EQ(lib.stories({"", "", "KITCHEN"}).size(), 2u);
    EXPECT_EQ(lib.stories({"", "", "kitchen rosa"}).size(), 1u);
    EXPECT_EQ(lib.stories({"", "", "100%"}).size(), 0u);  // LIKE wildcards are plain characters
    EXPECT_EQ(lib.stories({"", "community", ""}).size(), 0u);
}

TEST(Library, OnlyOneProcessHoldsTheLibrary) {
    TempDir t;
    auto first = Library::open(t / "lib", true);
    EXPECT_THROW(Library::open(t / "lib", true), sb::Error);
    EXPECT_NO_THROW(Library::open(t / "lib", false));  // reading commands do not wait
}

TEST(TokenStore, TheFileIsPrivateFromItsCreationWhateverTheUmask) {
    TempDir t;
    const mode_t old = ::umask(0);
    TokenStore store(t / "conf" / "tokens.json");
    store.put("b1", "secret-one");
    ::umask(old);
    struct stat st{};
    ASSERT_EQ(::stat((t / "conf" / "tokens.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((t / "conf").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u);
    EXPECT_EQ(store.get("b1"), "secret-one");
    store.put("b2", "secret-two");
    store.remove("b1");
    EXPECT_FALSE(store.get("b1"));
    EXPECT_EQ(store.get("b2"), "secret-two");

    // Made readable by others somehow: put back to 0600 when next read.
    ::chmod((t / "conf" / "tokens.json").c_str(), 0644);
    EXPECT_EQ(store.get("b2"), "secret-two");
    ASSERT_EQ(::stat((t / "conf" / "tokens.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    write(t / "broken.json", "{not json");
    EXPECT_THROW(TokenStore(t / "broken.json").get("x"), sb::Error);
}

TEST(BoothAddress, IsNormalisedOrRefusedWithAReason) {
    EXPECT_EQ(normalise_url("192.168.1.20:8080"), "http://192.168.1.20:8080");
    EXPECT_EQ(normalise_url("http://booth.local:8080/"), "http://booth.local:8080");
    EXPECT_EQ(normalise_url("https://[::1]:8443"), "https://[::1]:8443");
    EXPECT_THROW(normalise_url("ftp://booth"), sb::Error);
    EXPECT_THROW(normalise_url("http://booth/sync/v1"), sb::Error);
    EXPECT_THROW(normalise_url(""), sb::Error);
}

TEST(Download, ResumesAfterReHashingTheBytesAlreadyThere) {
    TempDir t;
    const std::string bytes = pattern(3'000'000);
    MemorySource src(bytes);
    write(t / "p" / "f.part", bytes.substr(0, 1'234'567));
    const auto r = download_verified(src, {"s", "master.flac", bytes.size(), sb::sha256_hex(bytes)}, t / "p" / "f.part", {});
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(r.kept, 1'234'567u);
    EXPECT_EQ(r.received, bytes.size() - 1'234'567u);
    EXPECT_EQ(src.offsets, std::vector<std::uint64_t>{1'234'567u});
    EXPECT_EQ(sb::sha256_file(t / "p" / "f.part"), sb::sha256_hex(bytes));
}

TEST(Download, ADamagedPartialFileIsCaughtAndTheWholeFileFetchedAgain) {
    TempDir t;
    const std::string bytes = pattern(2'000'000);
    MemorySource src(bytes);
    std::string damaged = bytes.substr(0, 500'000);
    damaged[1000] ^= 1;
    write(t / "f.part", damaged);
    const auto r = download_verified(src, {"s", "story.opus", bytes.size(), sb::sha256_hex(bytes)}, t / "f.part", {});
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(r.mismatches, 1);
    EXPECT_EQ(src.offsets, (std::vector<std::uint64_t>{500'000u, 0u}));
    EXPECT_EQ(sb::sha256_file(t / "f.part"), sb::sha256_hex(bytes));
}

TEST(Download, BytesThatNeverMatchAreGivenUpOnWithNothingLeft) {
    TempDir t;
    const std::string bytes = pattern(100'000);
    MemorySource src(bytes);
    const auto r = download_verified(src, {"s", "story.opus", bytes.size(), std::string(64, '0')}, t / "f.part", {});
    EXPECT_FALSE(r.verified);
    EXPECT_EQ(r.mismatches, 3);
    EXPECT_EQ(src.fetches, 3);
    EXPECT_FALSE(fs::exists(t / "f.part"));

    // More bytes than the story lists is a corrupt transfer too.
    MemorySource longer(bytes + "extra");
    const auto r2 = download_verified(longer, {"s", "story.opus", bytes.size(), sb::sha256_hex(bytes)}, t / "g.part", {});
    EXPECT_FALSE(r2.verified);
    EXPECT_FALSE(fs::exists(t / "g.part"));
}
