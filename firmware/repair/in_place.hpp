#pragma once
// Shared by the Ogg and FLAC in-place repairs (internal to storybooth_repair).
#include "common/fs.hpp"

#include <filesystem>

namespace sb::repair_detail {

// Opens for an in-place repair. A file that cannot be opened for writing (read-only mount or
// permissions) is opened read-only, so a file that needs no change still "repairs"; `ro_errno`
// says why writing is impossible.
Fd open_for_repair(const std::filesystem::path& file, int& ro_errno);

}  // namespace sb::repair_detail
