// Encodes one Opus listening copy to a podcast MP3 with the library, for the benchmark
// (tests/bench/bench_mp3.sh): prints what was measured as one line of JSON.
//   episode_audio_bench IN.opus OUT.mp3
#include "common/error.hpp"
#include "episode_audio/episode_audio.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s IN.opus OUT.mp3\n", argv[0]);
        return 2;
    }
    if (std::getenv("SB_DEBUG")) spdlog::set_level(spdlog::level::debug);
    try {
        auto r = sb::storysync::encode_episode_mp3(argv[1], argv[2]);
        std::printf("{\"duration_s\": %.3f, \"channels\": %d, \"source_lufs\": %.2f, \"source_dbtp\": %.2f, "
                    "\"gain_db\": %.2f, \"mp3_lufs\": %.2f, \"mp3_dbtp\": %.2f, \"bytes\": %llu, \"kbps\": %d}\n",
                    r.source.duration_s, r.source.channels, r.source.integrated_lufs, r.source.true_peak_dbtp, r.gain_db,
                    r.levelled.integrated_lufs, r.levelled.true_peak_dbtp, static_cast<unsigned long long>(r.bytes),
                    r.bitrate_kbps);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
