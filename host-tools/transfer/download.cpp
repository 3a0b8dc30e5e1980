#include "transfer/download.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "transfer/errors.hpp"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sb::storysync {

namespace {

constexpr std::size_t kBuffer = 1u << 20;
constexpr std::size_t kBuffers = 4;  // 4 MiB waiting for the hash at most
// Start writing back every this many bytes, so the final fsync has little left to do.
constexpr std::uint64_t kWritebackEvery = 32u << 20;

// More bytes arrived than the story lists: the transfer is corrupt.
struct Overrun {};

// Receives a file's bytes into the partial file. The receiving thread writes each piece as it
// comes (straight from the buffer the socket filled, when the source can do that); a second
// thread runs the SHA-256 over the same buffers, so the hash — the largest cost — runs beside the
// network instead of after it. At most kBuffers buffers of 1 MiB exist: memory stays flat.
class PartialWriter : public FetchSink {
public:
    PartialWriter(int fd, const std::filesystem::path& path, std::unique_ptr<Sha256>& hash, std::uint64_t pos,
                  const WantedFile& want, const DownloadOptions& opts)
        : fd_(fd), path_(path), hash_(hash), pos_(pos), synced_to_(pos), want_(want), opts_(opts) {
        for (std::size_t i = 0; i < kBuffers; ++i) free_.emplace_back(kBuffer);
        worker_ = std::thread([this] { work(); });
    }

    ~PartialWriter() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        worker_.join();
    }

    void begin(std::uint64_t offset) override {
        if (offset != pos_) {
            // The source sends the whole file (its ETag changed, or it ignores ranges): start over.
            if (offset != 0) throw SyncError(SyncError::Reason::protocol, "the source sent an unexpected part of " + want_.name);
            if (::ftruncate(fd_, 0) != 0) throw_errno("cannot truncate " + path_.string(), errno);
            hash_ = std::make_unique<Sha256>();
            pos_ = 0;
            synced_to_ = 0;
        }
        if (::lseek(fd_, static_cast<off_t>(pos_), SEEK_SET) < 0) throw_errno("cannot seek in " + path_.string(), errno);
    }

    std::pair<char*, std::size_t> receive_buffer() override {
        if (pos_ >= want_.size) return {nullptr, 0};  // anything more is an overrun: data() sees it
        if (!cur_) take_free();
        const std::size_t room = std::min<std::uint64_t>(kBuffer - cur_len_, want_.size - pos_);
        return {cur_->data() + cur_len_, room};
    }

    void received(std::size_t n) override {
        cur_len_ += n;
        accept(cur_->data() + cur_len_ - n, n);
    }

    void data(const char* bytes, std::size_t n) override {
        if (pos_ + n > want_.size) throw Overrun{};
        while (n > 0) {
            if (!cur_) take_free();
            const std::size_t take = std::min(n, kBuffer - cur_len_);
            std::memcpy(cur_->data() + cur_len_, bytes, take);
            cur_len_ += take;
            accept(cur_->data() + cur_len_ - take, take);
            bytes += take;
            n -= take;
        }
    }

    // Waits until every byte received is hashed. Throws the hashing thread's error, if any.
    void flush() {
        if (cur_ && cur_len_ > 0) hand_over();
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return (full_.empty() && !busy_) || error_; });
        if (error_) std::rethrow_exception(error_);
    }

    std::uint64_t position() const { return pos_; }
    std::uint64_t received() const { return received_; }

private:
    // `n` new bytes at `p` (inside the current buffer): written now, hashed by the worker.
    void accept(const char* p, std::size_t n) {
        if (int err = write_all(fd_, p, n)) throw_errno("cannot write " + path_.string(), err);
        pos_ += n;
        received_ += n;
#ifdef SYNC_FILE_RANGE_WRITE
        if (pos_ - synced_to_ >= kWritebackEvery) {
            ::sync_file_range(fd_, static_cast<off_t>(synced_to_), static_cast<off_t>(pos_ - synced_to_), SYNC_FILE_RANGE_WRITE);
            synced_to_ = pos_;
        }
#endif
        if (cur_len_ == kBuffer) hand_over();
        if (opts_.progress) opts_.progress->position(pos_);
        if (opts_.limiter) opts_.limiter->consumed(n);
    }

    void take_free() {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !free_.empty() || error_; });
        if (error_) std::rethrow_exception(error_);
        cur_ = std::move(free_.back());
        free_.pop_back();
        cur_len_ = 0;
    }

    void hand_over() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            full_.emplace_back(std::move(*cur_), cur_len_);
        }
        cur_.reset();
        cur_len_ = 0;
        cv_.notify_all();
    }

    void work() {
        for (;;) {
            std::pair<std::vector<char>, std::size_t> b;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [&] { return !full_.empty() || stop_; });
                if (full_.empty()) return;
                b = std::move(full_.front());
                full_.pop_front();
                busy_ = true;
            }
            std::exception_ptr err;
            try {
                hash_->update(b.first.data(), b.second);
            } catch (...) {
                err = std::current_exception();
            }
            {
                std::lock_guard<std::mutex> lock(mu_);
                if (err && !error_) error_ = err;
                busy_ = false;
                free_.push_back(std::move(b.first));
            }
            cv_.notify_all();
        }
    }

    int fd_;
    const std::filesystem::path& path_;
    std::unique_ptr<Sha256>& hash_;
    std::uint64_t pos_;  // written to the file (the receiving thread's)
    std::uint64_t synced_to_;
    const WantedFile& want_;
    const DownloadOptions& opts_;
    std::uint64_t received_ = 0;

    std::optional<std::vector<char>> cur_;  // being filled by the receiving thread
    std::size_t cur_len_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::pair<std::vector<char>, std::size_t>> full_;  // waiting for the hash, in order
    std::vector<std::vector<char>> free_;
    bool busy_ = false, stop_ = false;
    std::exception_ptr error_;
    std::thread worker_;
};

// Hashes the first `size` bytes of the file.
void rehash(int fd, const std::filesystem::path& path, std::uint64_t size, Sha256& hash) {
    std::vector<char> buf(kBuffer);
    std::uint64_t off = 0;
    while (off < size) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBuffer, size - off));
        if (!pread_all(fd, buf.data(), n, off, path.string())) throw IoError(path.string() + " became shorter while reading it", EIO);
        hash.update(buf.data(), n);
        off += n;
    }
}

}  // namespace

RateLimiter::RateLimiter(std::uint64_t bytes_per_second) : rate_(bytes_per_second), start_(std::chrono::steady_clock::now()) {}

void RateLimiter::consumed(std::size_t n) {
    if (rate_ == 0) return;
    total_ += n;
    const auto due = start_ + std::chrono::microseconds(total_ * 1000000 / rate_);
    const auto now = std::chrono::steady_clock::now();
    if (due > now + std::chrono::milliseconds(5)) std::this_thread::sleep_for(due - now);
}

DownloadResult download_verified(Source& source, const WantedFile& want, const std::filesystem::path& partial,
                                 const DownloadOptions& opts) {
    DownloadResult result;
    std::filesystem::create_directories(partial.parent_path());
    for (int attempt = 0; attempt < std::max(1, opts.attempts); ++attempt) {
        Fd fd = open_file(partial, O_RDWR | O_CREAT, 0644);
        struct stat st{};
        if (::fstat(fd.get(), &st) != 0) throw_errno("cannot read " + partial.string(), errno);
        std::uint64_t have = static_cast<std::uint64_t>(st.st_size);
        if (have > want.size) {
            if (::ftruncate(fd.get(), 0) != 0) throw_errno("cannot truncate " + partial.string(), errno);
            have = 0;
        }
        auto hash = std::make_unique<Sha256>();
        // Resuming: the bytes already here count only if the whole file then matches, so they
        // go through the hash first.
        rehash(fd.get(), partial, have, *hash);
        if (attempt == 0) result.kept = have;
        if (opts.progress) opts.progress->position(have);
        bool overrun = false;
        if (have < want.size) {
            PartialWriter w(fd.get(), partial, hash, have, want, opts);
            try {
                source.fetch(want.story_id, want.name, have, want.sha256, w);
                w.flush();
            } catch (const Overrun&) {
                overrun = true;
            } catch (...) {
                result.received += w.received();
                try {
                    w.flush();  // keep what arrived, for the next pull
                } catch (...) {
                }
                throw;
            }
            result.received += w.received();
            if (!overrun && w.position() != want.size)
                throw SyncError(SyncError::Reason::interrupted,
                                source.describe() + " ended " + want.name + " early; the next pull resumes it");
        }
        if (!overrun && ::fsync(fd.get()) != 0) throw_errno("cannot write " + partial.string(), errno);
        if (!overrun && hash->hex() == want.sha256) {
            result.verified = true;
            return result;
        }
        // Corrupt in transit (or on disk): these bytes cannot be trusted, start again from nothing.
        ++result.mismatches;
        fd.reset();
        ::unlink(partial.c_str());
    }
    return result;
}

}  // namespace sb::storysync
