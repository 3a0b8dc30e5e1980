#pragma once
// SHA-256 and SHA-512 of one stream, each on its own thread, fed from one read: the reader fills
// a block, hands it to both hashers and goes on (writing the block elsewhere, reading the next)
// while they work. A fixed ring of blocks bounds the memory (kBlocks x kBlockSize).
#include "common/hash.hpp"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sb::storysync {

class Hashers {
public:
    static constexpr std::size_t kBlockSize = std::size_t{1} << 20;
    static constexpr std::size_t kBlocks = 8;

    // Starts one thread per wanted digest (at least one must be wanted).
    Hashers(bool sha256, bool sha512);
    ~Hashers();
    Hashers(const Hashers&) = delete;
    Hashers& operator=(const Hashers&) = delete;

    // A block of kBlockSize bytes to fill, once the hashers are done with its last contents.
    // It stays untouched by them until submit(), and readable by the caller until the next block().
    char* block();
    // Hands the block last returned by block(), `len` bytes of it, to the hashers.
    void submit(std::size_t len);

    struct Digests {
        std::string sha256, sha512;  // "" for a digest not wanted
    };
    // Waits for every submitted block, returns the digests of the stream so far and starts anew.
    Digests finish();

private:
    struct Worker {
        bool sha512 = false;
        std::uint64_t done = 0;  // blocks hashed
        std::unique_ptr<Sha256> h256;
        std::unique_ptr<Sha512> h512;
        std::thread thread;
    };
    void run(Worker& w);
    bool all_done_through(std::uint64_t n) const;  // every worker has hashed blocks [0, n)

    std::vector<std::vector<char>> blocks_;
    std::vector<std::size_t> lens_;
    std::vector<std::unique_ptr<Worker>> workers_;
    mutable std::mutex mu_;
    std::condition_variable work_cv_, done_cv_;
    std::uint64_t posted_ = 0;
    bool stop_ = false;
};

}  // namespace sb::storysync
