#include "record/layout.hpp"

namespace sb::layout {

fs::path catalog_file(const fs::path& data_dir) { return data_dir / "catalog.db"; }
fs::path stories_dir(const fs::path& data_dir) { return data_dir / "stories"; }
fs::path story_dir(const fs::path& data_dir, const std::string& story_id) { return stories_dir(data_dir) / story_id; }
std::string relative(const std::string& story_id, const char* name) { return "stories/" + story_id + "/" + name; }

double bytes_per_second(int bitrate, bool master, int channels, int sample_rate) {
    double b = bitrate / 8.0 * 1.1;
    if (master) b += sample_rate * channels * 2 * 0.75;
    return b;
}

std::int64_t recording_seconds_left(std::uint64_t free_bytes, int bitrate, bool master, int channels, int sample_rate) {
    const std::uint64_t usable = free_bytes > kReserveBytes ? free_bytes - kReserveBytes : 0;
    return static_cast<std::int64_t>(static_cast<double>(usable) / bytes_per_second(bitrate, master, channels, sample_rate));
}

}  // namespace sb::layout
