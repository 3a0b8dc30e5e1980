#include "record/spare.hpp"

#include "common/fs.hpp"
#include "record/layout.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace sb::spare {

fs::path spare_file(const fs::path& data_dir) { return data_dir / ".spare"; }

bool keep_spare(const fs::path& data_dir) {
    const fs::path f = spare_file(data_dir);
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (!ec && size >= kSpareBytes) return true;
    const std::uint64_t have = ec ? 0 : size;
    std::uint64_t free = 0;
    try {
        free = free_bytes(data_dir);
    } catch (const std::exception&) {
        return false;
    }
    if (free + have < kSpareBytes + layout::kReserveBytes) return false;
    const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    // Blocks really allocated (not a sparse file), so deleting it frees them.
    const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(kSpareBytes));
    const bool ok = err == 0 && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        fs::remove(f, ec);
        spdlog::warn("could not set aside spare space in {}: {}", data_dir.string(), std::strerror(err ? err : errno));
        return false;
    }
    return true;
}

bool release_spare(const fs::path& data_dir) noexcept {
    std::error_code ec;
    const fs::path f = spare_file(data_dir);
    if (!fs::exists(f, ec)) return false;
    if (!fs::remove(f, ec)) return false;
    try {
        fsync_dir(data_dir);
    } catch (const std::exception&) {
    }
    return true;
}

}  // namespace sb::spare
