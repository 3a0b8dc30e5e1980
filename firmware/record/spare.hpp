#pragma once
// Spare space: a file of allocated blocks in the data folder (DIR/.spare) that the booth gives
// back to the file system when the disk fills up, so that it can still finish the story in
// progress (close the files, write the final tags, commit the catalog rows) and open its catalog
// at the next start. Something else filling the disk (a runaway log, a copied file) then costs
// the next recording, never the current one.
//
// The spare file is made again at start once there is room for it beyond the free space the
// booth keeps back (layout::kReserveBytes), so it never takes space a recording was promised.
#include <cstdint>
#include <filesystem>

namespace sb::spare {

namespace fs = std::filesystem;

// Enough for the final tags of a 40-minute story (a copy of its listening file) and the catalog.
inline constexpr std::uint64_t kSpareBytes = 32ull << 20;

fs::path spare_file(const fs::path& data_dir);

// Makes the spare file when it is missing or short and the disk has room for it and for the
// booth's reserve besides. Returns true when the spare space is there afterwards. Never throws:
// a disk without room simply has no spare space (the booth says how much is left elsewhere).
bool keep_spare(const fs::path& data_dir);

// Deletes the spare file, making its space free. True when there was one.
bool release_spare(const fs::path& data_dir) noexcept;

}  // namespace sb::spare
