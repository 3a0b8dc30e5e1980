#pragma once
// Errors that cross a library boundary. C error codes become one of these, with the
// file or device named, so the program can print one clear line.
#include <stdexcept>
#include <string>

namespace sb {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Something outside the program is wrong: a file is missing, the disk is full, a device is gone.
class IoError : public Error {
public:
    IoError(const std::string& what, int err) : Error(what), errno_(err) {}
    int code() const noexcept { return errno_; }
    // True when the error means "no space left": ENOSPC, EDQUOT or EFBIG (file-size limit).
    bool disk_full() const noexcept;

private:
    int errno_;
};

// True for the errnos that mean "no space left": ENOSPC, EDQUOT or EFBIG (file-size limit).
bool is_disk_full_errno(int err) noexcept;

// Builds "what: strerror(err)".
std::string describe_errno(const std::string& what, int err);
[[noreturn]] void throw_errno(const std::string& what, int err);

}  // namespace sb
