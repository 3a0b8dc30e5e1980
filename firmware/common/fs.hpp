#pragma once
// File-system helpers for files that must survive a power cut.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace sb {

namespace fs = std::filesystem;

// Writes `data` to `path` atomically: a temporary name beside it, fsync, rename, fsync of the folder.
// A crash leaves either the old file or the new one, never a mix. Throws IoError.
// The new file is created with `mode` (less the umask) and never had wider permissions, so a
// secret written with 0600 is not readable by anyone else even for a moment.
void write_file_atomic(const fs::path& path, std::string_view data, mode_t mode = 0644);

// True for a relative path that stays inside the folder it is taken from: not empty, no NUL,
// not absolute, no ".." or "." part. For paths read from files or the network.
bool is_safe_relative_path(const std::string& p);

// Whole file as bytes. Throws IoError naming the file.
std::string read_file(const fs::path& path);

// fsync of a folder, so a rename or create inside it is durable. Throws IoError.
void fsync_dir(const fs::path& dir);

// fsync of a file by path. Throws IoError.
void fsync_file(const fs::path& path);

// mkdir -p, then fsync of each parent that gained an entry. Throws IoError.
void make_dirs_durable(const fs::path& dir);

// Bytes free for an unprivileged writer on the file system holding `path`.
std::uint64_t free_bytes(const fs::path& path);

// An owned POSIX file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    ~Fd();
    int get() const noexcept { return fd_; }
    int release() noexcept { int f = fd_; fd_ = -1; return f; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

// open(2) that throws IoError naming the file.
Fd open_file(const fs::path& path, int flags, int mode = 0644);

// Writes all of `len` bytes (retrying short writes and EINTR). Returns 0 or the errno.
int write_all(int fd, const void* data, std::size_t len) noexcept;

// Reads exactly `len` bytes at `offset`. False when the file ends first; IoError naming `name`
// on a read error.
bool pread_all(int fd, void* buf, std::size_t len, std::uint64_t offset, const std::string& name);
// Writes exactly `len` bytes at `offset`, or throws IoError naming `name`.
void pwrite_all(int fd, const void* buf, std::size_t len, std::uint64_t offset, const std::string& name);

}  // namespace sb
