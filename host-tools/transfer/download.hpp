#pragma once
// One file, fetched into a partial file and verified: resumes what an earlier attempt left
// (re-hashing those bytes first), streams the rest through SHA-256 as it arrives (never more
// than one 1 MiB buffer in memory), checks size and hash, and fsyncs. A file whose bytes do not
// match is deleted and fetched again, a limited number of times.
#include "transfer/source.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace sb::storysync {

struct WantedFile {
    std::string story_id, name;
    std::uint64_t size = 0;
    std::string sha256;
};

// Paces transfers to a number of bytes per second, across files (for testing, or to leave
// bandwidth to others on a library's network).
class RateLimiter {
public:
    explicit RateLimiter(std::uint64_t bytes_per_second);
    // Counts `n` bytes; sleeps while more has passed than the rate allows.
    void consumed(std::size_t n);

private:
    std::uint64_t rate_;
    std::uint64_t total_ = 0;
    std::chrono::steady_clock::time_point start_;
};

class DownloadProgress {
public:
    virtual ~DownloadProgress() = default;
    // Bytes of the file now held (kept from before plus received). Called often: keep it cheap.
    virtual void position(std::uint64_t bytes_in_file) = 0;
};

struct DownloadOptions {
    int attempts = 3;               // whole fetches allowed when the bytes do not match
    RateLimiter* limiter = nullptr;  // optional
    DownloadProgress* progress = nullptr;
};

struct DownloadResult {
    bool verified = false;          // `partial` now holds exactly the wanted bytes, fsynced
    std::uint64_t received = 0;     // bytes that arrived this time (all attempts)
    std::uint64_t kept = 0;         // bytes already in the partial file that were kept
    int mismatches = 0;             // attempts whose bytes did not match the SHA-256
};

// Makes `partial` hold the whole, verified file. Network faults throw SyncError, disk faults
// IoError (disk_full() for a full disk or a file-size limit); what arrived stays in `partial`
// for the next attempt. After `attempts` mismatches returns verified = false with the partial
// file deleted.
DownloadResult download_verified(Source& source, const WantedFile& want, const std::filesystem::path& partial,
                                 const DownloadOptions& opts);

}  // namespace sb::storysync
