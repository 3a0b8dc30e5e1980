#include "common/fs.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace sb {

bool is_disk_full_errno(int err) noexcept { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

bool IoError::disk_full() const noexcept { return is_disk_full_errno(errno_); }

bool is_safe_relative_path(const std::string& p) {
    if (p.empty() || p.find('\0') != std::string::npos) return false;
    const fs::path path(p);
    if (path.is_absolute() || path.has_root_path()) return false;
    for (const auto& part : path)
        if (part == ".." || part == ".") return false;
    return true;
}

std::string describe_errno(const std::string& what, int err) {
    return what + ": " + std::strerror(err);
}

void throw_errno(const std::string& what, int err) {
    throw IoError(describe_errno(what, err), err);
}

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

Fd::~Fd() { reset(); }

void Fd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

Fd open_file(const fs::path& path, int flags, int mode) {
    int fd;
    do {
        fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) throw_errno("cannot open " + path.string(), errno);
    return Fd(fd);
}

int write_all(int fd, const void* data, std::size_t len) noexcept {
    const auto* p = static_cast<const char*>(data);
    while (len > 0) {
        ssize_t n = ::write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return 0;
}

bool pread_all(int fd, void* buf, std::size_t len, std::uint64_t offset, const std::string& name) {
    auto* p = static_cast<std::uint8_t*>(buf);
    while (len > 0) {
        const ssize_t n = ::pread(fd, p, len, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read " + name, errno);
        }
        if (n == 0) return false;
        p += n;
        len -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

void pwrite_all(int fd, const void* buf, std::size_t len, std::uint64_t offset, const std::string& name) {
    const auto* p = static_cast<const std::uint8_t*>(buf);
    while (len > 0) {
        const ssize_t n = ::pwrite(fd, p, len, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot write " + name, errno);
        }
        if (n == 0) throw_errno("cannot write " + name, EIO);
        p += n;
        len -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

void fsync_dir(const fs::path& dir) {
    Fd fd = open_file(dir.empty() ? fs::path(".") : dir, O_RDONLY | O_DIRECTORY);
    if (::fsync(fd.get()) != 0) throw_errno("cannot sync folder " + dir.string(), errno);
}

void fsync_file(const fs::path& path) {
    Fd fd = open_file(path, O_RDONLY);
    if (::fsync(fd.get()) != 0) throw_errno("cannot sync " + path.string(), errno);
}

void write_file_atomic(const fs::path& path, std::string_view data, mode_t mode) {
    fs::path tmp = path;
    tmp += ".tmp";
    ::unlink(tmp.c_str());  // a leftover from a crash keeps its own mode; start afresh
    {
        Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
        if (int err = write_all(fd.get(), data.data(), data.size())) {
            ::unlink(tmp.c_str());
            throw_errno("cannot write " + tmp.string(), err);
        }
        if (::fsync(fd.get()) != 0) {
            int err = errno;
            ::unlink(tmp.c_str());
            throw_errno("cannot sync " + tmp.string(), err);
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw_errno("cannot rename " + tmp.string() + " to " + path.string(), err);
    }
    fsync_dir(path.parent_path());
}

std::string read_file(const fs::path& path) {
    Fd fd = open_file(path, O_RDONLY);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read " + path.string(), errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void make_dirs_durable(const fs::path& dir) {
    fs::path cur;
    for (const auto& part : dir) {
        cur /= part;
        if (!fs::exists(cur)) {
            if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
                throw_errno("cannot create folder " + cur.string(), errno);
            fsync_dir(cur.has_parent_path() ? cur.parent_path() : fs::path("."));
        }
    }
}

std::uint64_t free_bytes(const fs::path& path) {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) throw_errno("cannot read free space of " + path.string(), errno);
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace sb
