#pragma once
// Ogg Opus page surgery: crash repair in place and tag rewrite without re-encoding.
// Handles one logical Opus stream per file (what libopusenc writes); a chained or multiplexed
// file is read up to the end of its first stream and is never cut by repair.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::ogg {

// Ogg's CRC-32: polynomial 0x04c11db7, initial value 0, no reflection, no final xor.
// A page's CRC is computed over the whole page with its CRC field (bytes 22..25) set to zero.
std::uint32_t crc32(const std::uint8_t* data, std::size_t len);

struct Page {
    std::uint64_t offset;          // of the "OggS" capture pattern
    std::uint32_t header_len;      // 27 + number of segments
    std::uint32_t body_len;        // sum of the lacing values
    std::uint8_t flags;            // 0x01 continued, 0x02 BOS, 0x04 EOS
    std::int64_t granule;
    std::uint32_t serial;
    std::uint32_t seqno;
    std::uint32_t packets_ending;  // lacing values < 255
};

// Complete, CRC-valid pages from the start of `bytes`, in order; stops at the first page that is
// incomplete or fails its CRC (no resynchronisation: what follows a damaged page is not trusted).
std::vector<Page> scan(std::string_view bytes);

struct OpusInfo {
    bool headers_ok = false;          // OpusHead + OpusTags complete and parseable
    int channels = 0;
    int preskip = 0;
    std::uint32_t input_rate = 0;
    int output_gain_q78 = 0;
    std::string vendor;
    std::vector<std::pair<std::string, std::string>> comments;  // KEY=value split at the first '='
                                                                // (no '=': the whole text is the key)
    std::size_t audio_pages = 0;      // complete valid pages of the stream after the headers
    std::int64_t last_granule = -1;   // granule of the last valid audio page with granule != -1, or -1
    std::int64_t samples_48k = 0;     // max(0, last_granule - preskip)
    std::uint64_t valid_end = 0;      // just after the last audio page with granule != -1; with no such
                                      // page, just after the headers; 0 when the headers are not ok
    bool eos = false;                 // the page ending at valid_end has the EOS flag
    std::uint64_t file_size = 0;
};

// Reads the file page by page (memory use is bounded by one page). Throws sb::IoError if unreadable.
OpusInfo inspect(const std::filesystem::path& file);

struct RepairResult {
    bool changed = false;
    bool has_audio = false;
    std::int64_t samples_48k = 0;
    std::uint64_t size = 0;
};

// Crash repair, in place (needs no free space): cut after the last complete CRC-valid page whose
// granule is not -1, set that page's EOS flag and recompute its CRC, ftruncate, fsync.
// If that page ends inside a packet (a writer that splits packets), the unfinished packet is
// dropped from the page. Idempotent: a good file is left byte-identical (changed=false).
// Headers incomplete/unparseable, or no audio page: has_audio=false, the file is left as is.
// A file whose valid pages continue after the end of the first Opus stream (chained or multiplexed)
// throws sb::Error rather than losing data. I/O failure throws sb::IoError.
RepairResult repair_opus_in_place(const std::filesystem::path& file);

// Writes `out` = the OpusHead page as is, a new OpusTags packet (vendor kept, exactly `comments` as
// KEY=value in order, no padding; binary data after the comments is kept only if it is marked
// "preserve" by RFC 7845, i.e. its first byte is odd), spanning as many pages as it needs, then every
// valid audio page of the stream copied (renumbered, with a new CRC, only when the new tags take a
// different number of pages). Returns what `in` holds (its length in samples_48k, its pages).
// `out` is created or truncated, fsynced, and removed again if writing fails (the caller renames it).
// Throws sb::IoError (disk_full() for ENOSPC/EFBIG/EDQUOT) or sb::Error if `in` has no valid headers.
OpusInfo rewrite_tags(const std::filesystem::path& in, const std::filesystem::path& out,
                      const std::vector<std::pair<std::string, std::string>>& comments);

}  // namespace sb::ogg
