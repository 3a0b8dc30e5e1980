// OpusTags rewrite without re-encoding: tags read back by opusfile, audio untouched, full disk.
#include "repair/ogg.hpp"

#include "common/error.hpp"
#include "unit/repair/helpers.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace sbt;

std::vector<std::string> joined(const Comments& c) {
    std::vector<std::string> out;
    for (const auto& [k, v] : c) out.push_back(k + "=" + v);
    return out;
}

class RewriteTags : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        channels = GetParam();
        pcm = make_pcm(channels, 3 * 48000 + 321, 40u + static_cast<unsigned>(channels));
        in = dir / "in.opus";
        out = dir / "out.opus.tmp";
        encode_opus(in, pcm, channels, {{"TITLE", "old title"}, {"ARTIST", "old"}});
        in_bytes = read_bytes(in);
        ref = decode_opus(in);
        ASSERT_EQ(ref.open_error, 0);
    }

    // Rewrites with `comments` and checks what every rewrite must give.
    void rewrite_and_check(const Comments& comments) {
        sb::ogg::rewrite_tags(in, out, comments);
        EXPECT_EQ(read_bytes(in), in_bytes) << "the input was modified";
        const auto d = decode_opus(out);
        ASSERT_EQ(d.open_error, 0);
        EXPECT_EQ(d.read_error, 0);
        EXPECT_EQ(d.vendor, ref.vendor);
        EXPECT_EQ(d.comments, joined(comments));
        EXPECT_EQ(d.pcm_total, ref.pcm_total);
        EXPECT_TRUE(d.pcm == ref.pcm) << "decoded audio differs";

        const auto info = sb::ogg::inspect(out);
        EXPECT_TRUE(info.headers_ok);
        EXPECT_EQ(info.comments, comments);
        EXPECT_EQ(info.vendor, ref.vendor);
        EXPECT_TRUE(info.eos);
        EXPECT_EQ(info.samples_48k, ref.pcm_total);

        // Every page valid, sequence numbers 0, 1, 2, ... without a gap, same OpusHead page.
        const std::string bytes = read_bytes(out);
        const auto pages = sb::ogg::scan(bytes);
        ASSERT_FALSE(pages.empty());
        const auto& last = pages.back();
        EXPECT_EQ(last.offset + last.header_len + last.body_len, bytes.size());
        for (std::size_t i = 0; i < pages.size(); ++i) EXPECT_EQ(pages[i].seqno, i);
        const auto in_pages = sb::ogg::scan(in_bytes);
        const auto head_len = in_pages[0].header_len + in_pages[0].body_len;
        EXPECT_EQ(bytes.substr(0, head_len), in_bytes.substr(0, head_len));
        EXPECT_EQ(info.audio_pages, in_pages.size() - 2);

        const auto warnings = opusinfo_warnings(out);
        EXPECT_TRUE(warnings.empty()) << warnings.front();
    }

    TempDir dir;
    int channels = 0;
    std::vector<std::int16_t> pcm;
    fs::path in, out;
    std::string in_bytes;
    Decoded ref;
};

TEST_P(RewriteTags, Utf8RightToLeftAndLongCommentsComeBackExactly) {
    std::string long_title;
    while (long_title.size() < 500) long_title += "Story " + std::to_string(long_title.size()) + " ";
    long_title.resize(500);
    std::string long_accented;
    for (int i = 0; i < 500; ++i) long_accented += "\xc3\xa9";  // 500 x U+00E9
    const Comments comments = {
        {"TITLE", long_title},
        {"ALBUM", "\xf0\x9f\x8e\x99\xef\xb8\x8f Oral history \xf0\x9f\x93\x9a \xf0\x9f\x91\xb5\xf0\x9f\x8f\xbd"},
        {"ARTIST", "\xd8\xad\xd9\x83\xd8\xa7\xd9\x8a\xd8\xa9 \xd8\xac\xd8\xaf\xd8\xaa\xd9\x8a"},  // Arabic
        {"ARTIST", "\xd7\xa1\xd7\x99\xd7\xa4\xd7\x95\xd7\xa8 \xd7\xa9\xd7\x9c \xd7\xa1\xd7\x91\xd7\xaa\xd7\x90"},  // Hebrew
        {"DESCRIPTION", "line one\nline two = still the value; 100% \"quoted\""},
        {"COMMENT", long_accented},
        {"EMPTY", ""},
        {"R128_TRACK_GAIN", "-1792"},
        {"lowercase_key", "kept as given"},
    };
    rewrite_and_check(comments);
}

TEST_P(RewriteTags, ManyChaptersMakeOpusTagsSpanSeveralPages) {
    Comments comments = {{"TITLE", "A long life"}};
    for (int i = 1; i <= 999; ++i) {
        char num[8], when[32];
        std::snprintf(num, sizeof num, "%03d", i);
        std::snprintf(when, sizeof when, "%02d:%02d:%02d.%03d", i / 3600, (i / 60) % 60, i % 60, (i * 37) % 1000);
        comments.emplace_back(std::string("CHAPTER") + num, when);
        comments.emplace_back(std::string("CHAPTER") + num + "NAME",
                              "Chapter " + std::to_string(i) + " \xe2\x80\x94 \xd7\xa4\xd7\xa8\xd7\xa7 / \xd9\x81\xd8\xb5\xd9\x84 "
                              "the summer we moved to the coast, and what grandfather said about it \xf0\x9f\x8c\x8a");
    }
    rewrite_and_check(comments);
    const auto pages = sb::ogg::scan(read_bytes(out));
    std::size_t last_tags_page = 1;
    while (pages[last_tags_page].granule == -1) ++last_tags_page;  // pages no packet ends on
    EXPECT_GE(last_tags_page, 3u) << "OpusTags should span at least 3 pages";
    for (std::size_t i = 2; i <= last_tags_page; ++i) EXPECT_TRUE(pages[i].flags & 0x01) << "page " << i;
    EXPECT_EQ(pages[last_tags_page].granule, 0);
}

// OpusTags of exactly 255 * n bytes ends with a 0 lacing value, on a page of its own when n = 255.
TEST_P(RewriteTags, TagsFillingWholeSegmentsAndWholePagesAreTerminated) {
    for (std::size_t target : {std::size_t{510}, std::size_t{255 * 255}, std::size_t{255 * 255 + 255}, std::size_t{2 * 255 * 255}}) {
        SCOPED_TRACE("packet of " + std::to_string(target) + " bytes");
        Comments comments = {{"TITLE", "x"}};
        const std::size_t fixed = 8 + 4 + ref.vendor.size() + 4 + (4 + 7);  // "TITLE=x"
        const std::size_t rest = target - fixed - 4 - std::string("PAD=").size();
        comments.emplace_back("PAD", std::string(rest, 'p'));
        rewrite_and_check(comments);
        if (target == 255 * 255) {
            const auto pages = sb::ogg::scan(read_bytes(out));
            EXPECT_EQ(pages[1].header_len, 27u + 255u);
            EXPECT_EQ(pages[1].packets_ending, 0u);
            EXPECT_EQ(pages[2].header_len, 28u);
            EXPECT_EQ(pages[2].body_len, 0u);
            EXPECT_EQ(pages[2].packets_ending, 1u);
        }
    }
}

TEST_P(RewriteTags, AnEmptyCommentListIsValid) { rewrite_and_check({}); }

INSTANTIATE_TEST_SUITE_P(MonoAndStereo, RewriteTags, ::testing::Values(1, 2),
                         [](const auto& i) { return i.param == 1 ? std::string("Mono") : std::string("Stereo"); });

TEST(RewriteTagsErrors, DiskFullThrowsIoErrorDiskFullRemovesOutputAndLeavesInputUntouched) {
    TempDir dir;
    const fs::path in = dir / "in.opus";
    const fs::path out = dir / "out.opus.tmp";
    encode_opus(in, make_pcm(2, 3 * 48000, 9), 2, {{"TITLE", "t"}});
    const std::string before = read_bytes(in);
    ASSERT_GT(before.size(), 12000u);

    // A child with a 8 kB file-size limit: writes past it fail with EFBIG (SIGXFSZ ignored).
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim {8000, 8000};
        if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(10);
        try {
            sb::ogg::rewrite_tags(in, out, {{"TITLE", "new"}, {"BIG", std::string(3000, 'b')}});
        } catch (const sb::IoError& e) {
            ::_exit(e.disk_full() ? 0 : 11);
        } catch (...) {
            ::_exit(12);
        }
        ::_exit(13);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setrlimit failed, 11: IoError but not disk full, 12: other error, 13: no error";
    EXPECT_EQ(read_bytes(in), before);
    EXPECT_FALSE(fs::exists(out)) << "the partial output should be removed";
}

TEST(RewriteTagsErrors, InputWithoutValidHeadersThrowsErrorAndCreatesNothing) {
    TempDir dir;
    write_bytes(dir / "junk.opus", std::string(4000, 'j'));
    try {
        sb::ogg::rewrite_tags(dir / "junk.opus", dir / "out.opus", {{"TITLE", "x"}});
        ADD_FAILURE() << "no exception";
    } catch (const sb::IoError& e) {
        ADD_FAILURE() << "an I/O error for a bad file: " << e.what();
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("junk.opus"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "out.opus"));

    // Cut inside the OpusTags page: no valid headers either.
    encode_opus(dir / "good.opus", make_pcm(1, 48000, 3), 1, {});
    const std::string good = read_bytes(dir / "good.opus");
    const auto pages = sb::ogg::scan(good);
    write_bytes(dir / "cut.opus", good.substr(0, pages[1].offset + 20));
    EXPECT_THROW(sb::ogg::rewrite_tags(dir / "cut.opus", dir / "out.opus", {}), sb::Error);
    EXPECT_FALSE(fs::exists(dir / "out.opus"));
    EXPECT_THROW(sb::ogg::rewrite_tags(dir / "missing.opus", dir / "out.opus", {}), sb::IoError);
}

TEST(RewriteTagsErrors, KeysThatCannotRoundTripAreRefused) {
    TempDir dir;
    encode_opus(dir / "in.opus", make_pcm(1, 48000, 3), 1, {});
    EXPECT_THROW(sb::ogg::rewrite_tags(dir / "in.opus", dir / "out.opus", {{"A=B", "x"}}), sb::Error);
    EXPECT_THROW(sb::ogg::rewrite_tags(dir / "in.opus", dir / "out.opus", {{"", "x"}}), sb::Error);
    EXPECT_THROW(sb::ogg::rewrite_tags(dir / "in.opus", dir / "out.opus", {{"T\xc3\x8dTULO", "x"}}), sb::Error);
    EXPECT_FALSE(fs::exists(dir / "out.opus"));
}

TEST(RewriteTagsErrors, WritingOverTheInputIsRefused) {
    TempDir dir;
    encode_opus(dir / "in.opus", make_pcm(1, 48000, 3), 1, {});
    const std::string before = read_bytes(dir / "in.opus");
    EXPECT_THROW(sb::ogg::rewrite_tags(dir / "in.opus", dir / "in.opus", {{"TITLE", "x"}}), sb::Error);
    EXPECT_EQ(read_bytes(dir / "in.opus"), before);
}

}  // namespace
