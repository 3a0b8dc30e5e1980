#pragma once
// A file written under a temporary name beside its destination and renamed into place only
// when complete (fsync, rename, fsync of the folder); removed if it never gets there, so a crash
// or an error never leaves half a file under the real name. For files written piece by piece
// (write_file_atomic writes one string; copy_file_atomic copies a file through this).
#include "common/fs.hpp"

#include <cstdint>
#include <filesystem>

namespace sb {

class TempFile {
public:
    // Creates ".<name>.XXXXXX" (mode 0644) in the destination's folder. Throws IoError naming it.
    explicit TempFile(const std::filesystem::path& dest);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    int fd() const { return fd_.get(); }
    const std::filesystem::path& path() const { return path_; }
    const std::filesystem::path& dest() const { return dest_; }

    // Empties the file and rewinds, to write it again.
    void truncate();
    // fsync, close, rename onto the destination, fsync of the folder. Returns the size written.
    std::uint64_t commit();

private:
    std::filesystem::path dest_;
    std::filesystem::path path_;
    Fd fd_;
    bool committed_ = false;
};


// Copies `from` to `to` through a TempFile (fsync, rename, fsync of the folder); a crash leaves
// the old file or the whole new one. Returns the bytes copied. Throws IoError naming the file
// (disk_full() for a full disk).
std::uint64_t copy_file_atomic(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace sb
