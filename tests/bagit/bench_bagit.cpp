// The BagIt benchmark's helper (tests/bench/bench_bagit.sh):
//   bench_bagit fill LIBRARY STORIES OPUS_BYTES MASTER_BYTES   a library of stories with random files
//   bench_bagit bag LIBRARY OUT                                a bag of every story; prints seconds and bytes
//   bench_bagit verify BAG                                     checks it; prints seconds; exit 1 on a problem
#include "bagit/bagit.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"
#include "library/library.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <vector>

using namespace sb::storysync;
namespace fs = std::filesystem;

namespace {

// Writes `size` pseudo-random bytes (xorshift64*, far faster than /dev/urandom) and returns their SHA-256.
std::string fill_file(const fs::path& path, std::uint64_t size, std::uint64_t seed) {
    fs::create_directories(path.parent_path());
    sb::Fd fd = sb::open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
    sb::Sha256 h;
    std::vector<std::uint64_t> buf(1 << 19);  // 4 MB
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (std::uint64_t left = size; left > 0;) {
        for (auto& w : buf) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            w = x * 0x2545F4914F6CDD1Dull;
        }
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size() * 8));
        h.update(buf.data(), n);
        if (int err = sb::write_all(fd.get(), buf.data(), n)) sb::throw_errno("cannot write " + path.string(), err);
        left -= n;
    }
    return h.hex();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int fill(const fs::path& root, int stories, std::uint64_t opus, std::uint64_t master) {
    auto lib = Library::open(root, true);
    BoothRecord b;
    b.id = sb::new_uuid();
    b.name = "Bench booth";
    b.code = "BENCH";
    lib.save_booth(b);
    for (int i = 0; i < stories; ++i) {
        sb::Story s;
        s.id = sb::new_uuid();
        s.code = "BENCH-" + std::to_string(1000 + i);
        s.state = "complete";
        s.title = "Bench story " + std::to_string(i);
        s.share_level = "private";
        s.language = "en";
        s.created_at = "2026-11-26T10:00:00Z";
        sb::Participant p;
        p.name = "Ana";
        p.role = "storyteller";
        p.consent = sb::Consent{"release-2026-03", "private", "Ana", "", "2026-11-26T10:00:05Z"};
        s.participants = {p};
        const auto o = fill_file(lib.file_path(b.id, s.id, "story.opus"), opus, 2 * static_cast<std::uint64_t>(i) + 1);
        const auto m = fill_file(lib.file_path(b.id, s.id, "master.flac"), master, 2 * static_cast<std::uint64_t>(i) + 2);
        s.files = {{"listening", "stories/" + s.id + "/story.opus", opus, o},
                   {"master", "stories/" + s.id + "/master.flac", master, m}};
        lib.commit_story(b.id, s, sb::feed::story_to_json(s).dump());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string cmd = argc > 1 ? argv[1] : "";
        if (cmd == "fill" && argc == 6)
            return fill(argv[2], std::atoi(argv[3]), std::strtoull(argv[4], nullptr, 10), std::strtoull(argv[5], nullptr, 10));
        if (cmd == "bag" && argc == 4) {
            auto lib = Library::open(argv[2], false);
            const auto stories = lib.stories();
            const auto t0 = std::chrono::steady_clock::now();
            const auto r = write_bag(lib, stories, argv[3], {"Bench", "bench@example.org", "benchmark"});
            std::printf("%.3f %llu\n", seconds_since(t0), static_cast<unsigned long long>(r.payload_bytes));
            return 0;
        }
        if (cmd == "verify" && argc == 3) {
            const auto t0 = std::chrono::steady_clock::now();
            const auto problems = verify_bag(argv[2]);
            std::printf("%.3f\n", seconds_since(t0));
            for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
            return problems.empty() ? 0 : 1;
        }
        std::fprintf(stderr, "usage: bench_bagit fill LIBRARY STORIES OPUS_BYTES MASTER_BYTES | bag LIBRARY OUT | verify BAG\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_bagit: %s\n", e.what());
        return 1;
    }
}
