#include "repair/in_place.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <fcntl.h>

namespace sb::repair_detail {

Fd open_for_repair(const std::filesystem::path& file, int& ro_errno) {
    ro_errno = 0;
    try {
        return open_file(file, O_RDWR);
    } catch (const IoError& e) {
        if (e.code() != EROFS && e.code() != EACCES && e.code() != EPERM) throw;
        ro_errno = e.code();
    }
    return open_file(file, O_RDONLY);
}

}  // namespace sb::repair_detail
