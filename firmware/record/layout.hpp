#pragma once
// Where a booth keeps things under its data folder:
//   DIR/catalog.db                      the SQLite catalog (+ -wal, -shm)
//   DIR/stories/<story-id>/story.opus   the listening copy
//   DIR/stories/<story-id>/master.flac  the lossless master (when enabled)
//   DIR/orphans/                        story folders the catalog did not know (kept, never deleted)
//   DIR/.spare                          spare space given back when the disk fills up (record/spare.hpp)
#include <cstdint>
#include <filesystem>
#include <string>

namespace sb::layout {

namespace fs = std::filesystem;

inline constexpr const char* kListening = "story.opus";
inline constexpr const char* kMaster = "master.flac";

fs::path catalog_file(const fs::path& data_dir);
fs::path stories_dir(const fs::path& data_dir);
fs::path story_dir(const fs::path& data_dir, const std::string& story_id);
// Path of a story file relative to the data folder, as the catalog stores it.
std::string relative(const std::string& story_id, const char* name);

// Bytes a second of recording takes on disk, with margin: the Opus listening copy with its
// container overhead, plus the FLAC master (speech compresses to ~60 % of PCM; 75 % is assumed).
// Used to refuse a story the disk cannot finish and to tell the librarian the hours left.
double bytes_per_second(int bitrate, bool master, int channels, int sample_rate);

// Free space kept back for the catalog, logs and the system.
inline constexpr std::uint64_t kReserveBytes = 64ull << 20;

// Seconds of recording that `free_bytes` holds once the reserve is kept back.
std::int64_t recording_seconds_left(std::uint64_t free_bytes, int bitrate, bool master, int channels, int sample_rate);

}  // namespace sb::layout
