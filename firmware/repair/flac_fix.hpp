#pragma once
// FLAC master repair after a crash, in place, through libFLAC's stream decoder.
#include <cstdint>
#include <filesystem>

namespace sb::flac {

struct FlacInfo {
    int channels = 0;
    int sample_rate = 0;
    int bits_per_sample = 0;
    std::uint64_t total_samples_header = 0;  // 0 = unknown (what a crashed writer leaves)
};

// STREAMINFO of a native FLAC file (an ID3v2 tag in front is skipped).
// Throws sb::Error if the file is not FLAC, sb::IoError if it cannot be read.
FlacInfo read_streaminfo(const std::filesystem::path& file);

struct RepairResult {
    bool changed = false;
    bool has_audio = false;
    std::uint64_t frames = 0;  // samples per channel kept
    int channels = 0;
    int sample_rate = 0;
    std::uint64_t size = 0;
};

// A FLAC file cut by a crash (libsndfile leaves STREAMINFO total samples 0 until sf_close) or cut
// anywhere: decodes it with libFLAC (each frame's CRC is checked); the kept audio ends just after the
// last whole frame before the first damaged byte (cut frame, CRC mismatch, lost sync). Then, in place:
// STREAMINFO gets the decoded sample count (36 bits), the MD5 of the decoded audio (computed here, per
// the FLAC format: signed little-endian interleaved samples at the stream's byte width) and the real
// min/max frame sizes; SEEKTABLE points beyond the new end become placeholders; ftruncate; fsync.
// Needs no free space. Idempotent: a file closed properly is left byte-identical (changed=false).
// No whole frame at all (or the metadata itself is cut): has_audio=false, the file is left as is.
// Throws sb::Error if the file is not FLAC, sb::IoError on I/O failure.
RepairResult repair_flac_in_place(const std::filesystem::path& file);

}  // namespace sb::flac
