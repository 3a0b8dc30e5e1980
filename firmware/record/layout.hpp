#pragma once
// Where a booth keeps things under its data folder:
//   DIR/catalog.db                      the SQLite catalog (+ -wal, -shm)
//   DIR/stories/<story-id>/story.opus   the listening copy
//   DIR/stories/<story-id>/master.flac  the lossless master (when enabled)
//   DIR/orphans/                        story folders the catalog did not know (kept, never deleted)
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

}  // namespace sb::layout
