#pragma once
// A file written under a temporary name beside its destination and renamed into place only
// when complete (fsync, rename, fsync of the folder); removed if it never gets there. Used for
// the MP3 and its tagged copy so a crash or an error never leaves half a file under the real name.
#include "common/fs.hpp"

#include <cstdint>
#include <filesystem>

namespace sb::storysync {

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

}  // namespace sb::storysync
