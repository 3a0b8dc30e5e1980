// Fills a booth's data folder with N finished stories whose files are random bytes of chosen
// sizes, recorded in the catalog with their real SHA-256 (for the sync benchmarks: throughput
// does not care what the bytes sound like).
//   bench_fill_sync DATA_DIR N LISTENING_BYTES MASTER_BYTES
#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <vector>

namespace {

std::uint64_t state = 0x9e3779b97f4a7c15ull;
std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

// Writes `size` random bytes to `path`; returns their SHA-256.
std::string write_random(const std::filesystem::path& path, std::uint64_t size) {
    static std::vector<std::uint64_t> buf(1 << 17);  // 1 MiB
    sb::Fd fd = sb::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    sb::Sha256 h;
    for (std::uint64_t left = size; left > 0;) {
        for (auto& w : buf) w = next();
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size() * 8));
        h.update(buf.data(), n);
        if (int err = sb::write_all(fd.get(), buf.data(), n)) sb::throw_errno("cannot write " + path.string(), err);
        left -= n;
    }
    return h.hex();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: bench_fill_sync DATA_DIR N LISTENING_BYTES MASTER_BYTES\n");
        return 2;
    }
    try {
        const std::filesystem::path data = argv[1];
        const int n = std::atoi(argv[2]);
        const std::uint64_t listening = std::strtoull(argv[3], nullptr, 10), master = std::strtoull(argv[4], nullptr, 10);
        sb::make_dirs_durable(data / "stories");
        auto cat = sb::Catalog::open(data / "catalog.db");
        const char* words[] = {"river", "harvest", "grandmother", "migration", "factory", "school", "war", "wedding"};
        for (int i = 0; i < n; ++i) {
            sb::NewStory ns;
            ns.title = std::string("Story about the ") + words[i % 8] + " " + std::to_string(i);
            ns.participants.push_back({"Rosa", "70+", "grandparent", "storyteller", 1, std::nullopt});
            auto s = cat.create_story(ns);
            const auto dir = data / "stories" / s.id;
            std::filesystem::create_directories(dir);
            sb::Finish f;
            f.state = "complete";
            f.duration_ms = 600000;
            f.files.push_back({"listening", "stories/" + s.id + "/story.opus", listening, write_random(dir / "story.opus", listening)});
            if (master > 0)
                f.files.push_back({"master", "stories/" + s.id + "/master.flac", master, write_random(dir / "master.flac", master)});
            cat.finish_story(s.id, f);
        }
        std::printf("%d stories in %s\n", n, data.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_fill_sync: %s\n", e.what());
        return 1;
    }
    return 0;
}
