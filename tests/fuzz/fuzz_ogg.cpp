// The Ogg page scanner, Opus crash repair and tag rewrite (firmware/repair/ogg.hpp) on any bytes.
//
// Input: one byte of options, then the file. Option bit 0 set: every complete page in the file
// gets its CRC recomputed first, so mutations reach the Opus header and packet checks instead of
// stopping at the first CRC. Invariants: scan() returns contiguous pages inside the input;
// inspect() agrees with scan(); repair either refuses cleanly (sb::Error, file untouched) or
// leaves a file that ends exactly at an EOS page with the same audio, that a second repair
// leaves byte-identical, and that opusfile opens or refuses without crashing; rewrite_tags keeps
// the audio and writes exactly the tags asked for.
#include "fuzz_targets.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "repair/ogg.hpp"

#include <opusfile.h>

#include <cstring>
#include <vector>

namespace {

using sb::ogg::Page;

// Recomputes the CRC of each complete page found walking from the start (stopping at the first
// byte that does not begin a page).
void fix_crcs(std::string& b) {
    std::size_t at = 0;
    while (b.size() - at >= 27 && std::memcmp(b.data() + at, "OggS", 4) == 0) {
        const std::size_t nsegs = static_cast<unsigned char>(b[at + 26]);
        if (b.size() - at < 27 + nsegs) break;
        std::size_t body = 0;
        for (std::size_t i = 0; i < nsegs; ++i) body += static_cast<unsigned char>(b[at + 27 + i]);
        const std::size_t len = 27 + nsegs + body;
        if (b.size() - at < len) break;
        std::memset(b.data() + at + 22, 0, 4);
        const std::uint32_t crc = sb::ogg::crc32(reinterpret_cast<const std::uint8_t*>(b.data() + at), len);
        for (int i = 0; i < 4; ++i) b[at + 22 + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
        at += len;
    }
}

// Opens the file with opusfile and decodes it to the end (or the first error): no assertion on
// the result, which may legitimately be a refusal, only that nothing crashes or leaks.
void decode_with_opusfile(const std::string& path) {
    int err = 0;
    OggOpusFile* of = op_open_file(path.c_str(), &err);
    if (!of) return;
    std::vector<float> pcm(5760 * 2);
    for (int i = 0; i < 10000; ++i) {
        const int n = op_read_float_stereo(of, pcm.data(), static_cast<int>(pcm.size()));
        if (n <= 0) break;
    }
    op_free(of);
}

}  // namespace

int fuzz_ogg(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > (1u << 20)) return 0;
    sbfuzz::quiet_logs();
    const std::uint8_t options = data[0];
    std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    if (options & 1) fix_crcs(bytes);

    // scan(): contiguous complete pages from offset 0, inside the input.
    const std::vector<Page> pages = sb::ogg::scan(bytes);
    std::uint64_t at = 0;
    for (const Page& p : pages) {
        FUZZ_CHECK(p.offset == at);
        FUZZ_CHECK(p.header_len >= 27 && p.header_len <= 27 + 255);
        FUZZ_CHECK(p.body_len <= 255u * (p.header_len - 27));
        at += p.header_len + p.body_len;
        FUZZ_CHECK(at <= bytes.size());
    }

    const auto dir = sbfuzz::fresh_dir("ogg");
    const auto file = dir / "story.opus";
    sbfuzz::write_bytes(file, bytes);

    const sb::ogg::OpusInfo info = sb::ogg::inspect(file);
    FUZZ_CHECK(info.file_size == bytes.size());
    FUZZ_CHECK(info.valid_end <= info.file_size);
    FUZZ_CHECK(info.valid_end <= at);  // inspect() reads only pages scan() also accepts
    if (!info.headers_ok) FUZZ_CHECK(info.valid_end == 0 && info.audio_pages == 0);
    else FUZZ_CHECK(pages.size() >= 2 + info.audio_pages);
    FUZZ_CHECK(info.samples_48k >= 0);

    sb::ogg::RepairResult r;
    try {
        r = sb::ogg::repair_opus_in_place(file);
    } catch (const sb::IoError&) {
        throw;  // an I/O error on a scratch file is not a refusal: let it surface
    } catch (const sb::Error&) {
        // Refused (more than one stream): the file must be left exactly as it was.
        FUZZ_CHECK(sb::read_file(file) == bytes);
        return 0;
    }
    const std::string repaired = sb::read_file(file);
    FUZZ_CHECK(repaired.size() == r.size);
    if (!r.has_audio) {
        FUZZ_CHECK(!r.changed);
        FUZZ_CHECK(repaired == bytes);
        decode_with_opusfile(file.string());
        return 0;
    }
    FUZZ_CHECK(info.headers_ok);
    FUZZ_CHECK(r.samples_48k == info.samples_48k);
    FUZZ_CHECK(r.size <= bytes.size());
    FUZZ_CHECK(r.changed == (repaired != bytes));
    // Everything before the last kept page is untouched.
    const std::vector<Page> after = sb::ogg::scan(repaired);
    FUZZ_CHECK(!after.empty());
    FUZZ_CHECK(after.back().offset + after.back().header_len + after.back().body_len == repaired.size());
    FUZZ_CHECK(after.back().flags & 0x04);
    FUZZ_CHECK(std::memcmp(repaired.data(), bytes.data(), static_cast<std::size_t>(after.back().offset)) == 0);

    const sb::ogg::OpusInfo again = sb::ogg::inspect(file);
    FUZZ_CHECK(again.headers_ok);
    FUZZ_CHECK(again.eos);
    FUZZ_CHECK(again.valid_end == repaired.size());
    FUZZ_CHECK(again.samples_48k == info.samples_48k);
    FUZZ_CHECK(again.comments == info.comments);

    // Idempotent: a repaired file is left byte-identical.
    const sb::ogg::RepairResult r2 = sb::ogg::repair_opus_in_place(file);
    FUZZ_CHECK(!r2.changed);
    FUZZ_CHECK(r2.has_audio);
    FUZZ_CHECK(sb::read_file(file) == repaired);

    decode_with_opusfile(file.string());

    // Tag rewrite of the repaired file: same audio, exactly the new tags.
    const std::vector<std::pair<std::string, std::string>> tags = {
        {"TITLE", std::string(bytes.size() % 700, 'x')}, {"ARTIST", "Ana"}, {"EMPTY", ""}};
    const auto out = dir / "tagged.opus";
    const sb::ogg::OpusInfo in_info = sb::ogg::rewrite_tags(file, out, tags);
    FUZZ_CHECK(in_info.samples_48k == again.samples_48k);
    const sb::ogg::OpusInfo tagged = sb::ogg::inspect(out);
    FUZZ_CHECK(tagged.headers_ok);
    FUZZ_CHECK(tagged.comments == tags);
    FUZZ_CHECK(tagged.vendor == again.vendor);
    FUZZ_CHECK(tagged.audio_pages == again.audio_pages);
    FUZZ_CHECK(tagged.samples_48k == again.samples_48k);
    FUZZ_CHECK(tagged.eos == again.eos);
    FUZZ_CHECK(tagged.valid_end == sb::ogg::inspect(out).file_size);
    return 0;
}
