#include "common/temp_file.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace sb {

namespace {
fs::path folder_of(const fs::path& p) {
    return p.parent_path().empty() ? fs::path(".") : p.parent_path();
}
}  // namespace

TempFile::TempFile(const fs::path& dest) : dest_(dest) {
    const std::string folder = folder_of(dest).string(), file = dest.filename().string();
    std::string templ;
    templ.reserve(folder.size() + file.size() + 9);
    templ += folder;
    templ += "/.";
    templ += file;
    templ += ".XXXXXX";
    int fd = ::mkostemp(templ.data(), O_CLOEXEC);
    if (fd < 0) throw_errno("cannot create " + dest.string(), errno);
    fd_.reset(fd);
    path_ = templ;
    if (::fchmod(fd, 0644) != 0) throw_errno("cannot create " + dest.string(), errno);
}

TempFile::~TempFile() {
    if (committed_) return;
    fd_.reset();
    std::error_code ec;
    fs::remove(path_, ec);
}

void TempFile::truncate() {
    if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0)
        throw_errno("cannot write " + dest_.string(), errno);
}

std::uint64_t TempFile::commit() {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || ::fsync(fd_.get()) != 0) throw_errno("cannot write " + dest_.string(), errno);
    if (::close(fd_.release()) != 0) throw_errno("cannot write " + dest_.string(), errno);
    if (::rename(path_.c_str(), dest_.c_str()) != 0) throw_errno("cannot create " + dest_.string(), errno);
    committed_ = true;
    fsync_dir(folder_of(dest_));
    return static_cast<std::uint64_t>(st.st_size);
}

std::uint64_t copy_file_atomic(const fs::path& from, const fs::path& to) {
    Fd in = open_file(from, O_RDONLY | O_CLOEXEC);
    TempFile out(to);
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read " + from.string(), errno);
        }
        if (n == 0) break;
        if (const int err = write_all(out.fd(), buf.data(), static_cast<std::size_t>(n)))
            throw_errno("cannot write " + to.string(), err);
    }
    return out.commit();
}

}  // namespace sb
