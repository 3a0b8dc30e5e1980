// The ID3v2.4 tag: its bytes, what ffprobe reads back (emoji, Hebrew), re-tagging without
// re-encoding, and the text it refuses.
#include "common/error.hpp"
#include "episode_audio/episode_audio.hpp"
#include "episode_audio_test.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace eatest;
using sb::storysync::Id3Tags;
using sb::storysync::id3v2_tag;
using sb::storysync::write_tagged_mp3;

std::uint32_t syncsafe(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        auto b = static_cast<unsigned char>(s[at + i]);
        EXPECT_EQ(b & 0x80, 0) << "byte " << at + i << " is not syncsafe";
        v = (v << 7) | b;
    }
    return v;
}

// The frames of a tag, as id -> raw content (encoding byte and text).
std::map<std::string, std::string> frames_of(const std::string& tag) {
    std::map<std::string, std::string> out;
    std::size_t end = 10 + syncsafe(tag, 6);
    EXPECT_EQ(end, tag.size());
    std::size_t pos = 10;
    while (pos + 10 <= end) {
        std::string id = tag.substr(pos, 4);
        std::uint32_t size = syncsafe(tag, pos + 4);
        EXPECT_EQ(tag.substr(pos + 8, 2), std::string(2, '\0'));
        out[id] = tag.substr(pos + 10, size);
        pos += 10 + size;
    }
    EXPECT_EQ(pos, end);
    return out;
}

// A small untagged MP3 made by the library from generated speech (shared by the tests).
class Id3File : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new sbtest::TempDir;
        fs::path opus = speech_opus(dir_->path(), "speech", 1, "gain -n -3");
        sb::storysync::encode_episode_mp3(opus, dir_->path() / "untagged.mp3");
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    static fs::path untagged() { return dir_->path() / "untagged.mp3"; }
    static inline sbtest::TempDir* dir_ = nullptr;
};

TEST(Id3Tag, IsVersion24WithSyncsafeSizesAndUtf8TextFrames) {
    Id3Tags t;
    t.title = std::string(300, 'a');  // a size needing two syncsafe bytes
    t.artist = "";                    // left out
    t.album = "Riverside Library Stories";
    t.date = "2026-11-30";
    std::string tag = id3v2_tag(t);
    ASSERT_GE(tag.size(), 10u);
    EXPECT_EQ(tag.substr(0, 6), std::string("ID3\x04\x00\x00", 6));
    auto frames = frames_of(tag);
    EXPECT_EQ(frames.size(), 3u);
    EXPECT_EQ(frames["TIT2"], "\x03" + t.title);
    EXPECT_EQ(frames["TALB"], "\x03" + t.album);
    EXPECT_EQ(frames["TDRC"], "\x03" + t.date);
    EXPECT_EQ(frames.count("TPE1"), 0u);
    // 301 = 2 * 128 + 45: the title frame's size bytes read 0 0 2 45.
    auto at = tag.find("TIT2");
    EXPECT_EQ(tag.substr(at + 4, 4), std::string("\x00\x00\x02\x2d", 4));
}

TEST(Id3Tag, RefusesInvalidUtf8NulAndMalformedDates) {
    auto refuses = [](const Id3Tags& t, const std::string& word) {
        try {
            id3v2_tag(t);
            ADD_FAILURE() << "accepted " << word;
        } catch (const sb::Error& e) {
            EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
        }
    };
    refuses({"bad \xff byte", "", "", ""}, "title");
    refuses({"", "cut \xe2\x82", "", ""}, "artist");
    refuses({"", "", "over\xc0\xaflong", ""}, "album");
    refuses({"", "", std::string("nul\0inside", 10), ""}, "album");
    refuses({"t", "", "", "30/11/2026"}, "date");
    refuses({"t", "", "", "2026-13-01"}, "date");
    refuses({"t", "", "", "2026-11-3"}, "date");
    EXPECT_NO_THROW(id3v2_tag({"t", "", "", "2026"}));
    EXPECT_NO_THROW(id3v2_tag({"t", "", "", "2026-11"}));
}

TEST_F(Id3File, TagsReadBackInFfprobeWithEmojiAndHebrew) {
    Id3Tags t;
    t.title = "Grandma\xe2\x80\x99s bread \xf0\x9f\x8d\x9e \xd7\x9c\xd7\x97\xd7\x9d \xd7\xa9\xd7\x9c \xd7\xa1\xd7\x91\xd7\xaa\xd7\x90";
    t.artist = "Mar\xc3\xad" "a & Jos\xc3\xa9";
    t.album = "Riverside Library Stories";
    t.date = "2026-11-30";
    fs::path out = dir_->path() / "tagged.mp3";
    std::uint64_t size = write_tagged_mp3(untagged(), out, t);
    EXPECT_EQ(size, fs::file_size(out));
    EXPECT_EQ(size, fs::file_size(untagged()) + id3v2_tag(t).size());

    nlohmann::json probe = ffprobe(out);
    ASSERT_TRUE(probe.is_object());
    const auto& tags = probe["format"]["tags"];
    EXPECT_EQ(tags.value("title", ""), t.title);
    EXPECT_EQ(tags.value("artist", ""), t.artist);
    EXPECT_EQ(tags.value("album", ""), t.album);
    EXPECT_EQ(tags.value("date", ""), t.date);
    EXPECT_EQ(probe["streams"][0]["codec_name"], "mp3");

    // The audio behind the tag is the untagged file, byte for byte, and still decodes the same.
    std::string tagged = sbtest::slurp_file(out);
    EXPECT_EQ(tagged.substr(id3v2_tag(t).size()), sbtest::slurp_file(untagged()));
    auto a = sb::storysync::measure_loudness(untagged());
    auto b = sb::storysync::measure_loudness(out);
    EXPECT_DOUBLE_EQ(a.integrated_lufs, b.integrated_lufs);
    EXPECT_DOUBLE_EQ(a.duration_s, b.duration_s);
}

TEST_F(Id3File, RetaggingATaggedFileReplacesTheTagWithoutReencoding) {
    fs::path first = dir_->path() / "first.mp3";
    fs::path second = dir_->path() / "second.mp3";
    write_tagged_mp3(untagged(), first, {"Old title", "Ana", "Stories", "2026"});
    Id3Tags renamed{"A much longer new title \xf0\x9f\x8c\x8a", "Ana", "Stories", "2026-01-02"};
    write_tagged_mp3(first, second, renamed);
    std::string bytes = sbtest::slurp_file(second);
    std::string tag = id3v2_tag(renamed);
    EXPECT_EQ(bytes.substr(0, tag.size()), tag);
    EXPECT_EQ(bytes.substr(tag.size()), sbtest::slurp_file(untagged()));
    EXPECT_EQ(ffprobe(second)["format"]["tags"].value("title", ""), renamed.title);
    // Re-tagging in place is refused rather than destroying the file.
    EXPECT_THROW(write_tagged_mp3(second, second, renamed), sb::Error);
    EXPECT_EQ(sbtest::slurp_file(second), bytes);
}

TEST_F(Id3File, TaggingFailuresNameTheFileAndLeaveNothing) {
    fs::path out = dir_->path() / "never.mp3";
    EXPECT_THROW(write_tagged_mp3(dir_->path() / "missing.mp3", out, {"t", "", "", ""}), sb::IoError);
    EXPECT_FALSE(fs::exists(out));
    fs::path blocked = dir_->path() / "a-file" / "out.mp3";
    std::ofstream(dir_->path() / "a-file") << "x";
    try {
        write_tagged_mp3(untagged(), blocked, {"t", "", "", ""});
        FAIL() << "no error";
    } catch (const sb::IoError& e) {
        EXPECT_NE(std::string(e.what()).find(blocked.string()), std::string::npos) << e.what();
    }
    EXPECT_THROW(write_tagged_mp3(untagged(), out, {"t", "", "", "yesterday"}), sb::Error);
    EXPECT_FALSE(fs::exists(out));
}

}  // namespace
