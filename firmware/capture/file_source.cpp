#include "capture/file_source.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <chrono>
#include <sndfile.h>
#include <vector>

namespace sb {

FileSource::FileSource(const std::filesystem::path& file, int channels, bool realtime, bool loop)
    : path_(file), realtime_(realtime), loop_(loop) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        throw Error("input file " + file.string() + " does not exist");
    if (std::filesystem::is_directory(file, ec))
        throw Error("input " + file.string() + " is a folder, not an audio file");
    SF_INFO info{};
    sf_ = sf_open(file.c_str(), SFM_READ, &info);
    if (!sf_)
        throw Error("cannot read " + file.string() + " as audio (" + sf_strerror(nullptr) +
                    "); give a WAV or FLAC file");
    file_channels_ = info.channels;
    if (info.samplerate != 48000 && info.samplerate != 44100) {
        sf_close(sf_);
        throw Error(file.string() + " is " + std::to_string(info.samplerate) +
                    " Hz; the booth records at 48000 or 44100 Hz (convert it, e.g. sox IN -r 48000 OUT)");
    }
    int want = channels == 0 ? (info.channels > 2 ? 2 : info.channels) : channels;
    if (want < 1 || want > 2) {
        sf_close(sf_);
        throw Error("--channels must be 1 or 2");
    }
    if (want > info.channels) {
        sf_close(sf_);
        throw Error(file.string() + " has " + std::to_string(info.channels) + " channel(s); cannot take " +
                    std::to_string(want) + " microphones from it");
    }
    fmt_.channels = want;
    fmt_.sample_rate = info.samplerate;
}

FileSource::~FileSource() {
    stop();
    if (sf_) sf_close(sf_);
}

void FileSource::start(CaptureSink& sink) {
    stop_.store(false);
    thread_ = std::thread([this, &sink] { run(sink); });
}

void FileSource::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void FileSource::run(CaptureSink& sink) {
    using clock = std::chrono::steady_clock;
    // At real time, 10 ms blocks, the size a device delivers; otherwise larger reads.
    const std::size_t block = static_cast<std::size_t>(fmt_.sample_rate / (realtime_ ? 100 : 10));
    const std::size_t fch = static_cast<std::size_t>(file_channels_);
    const std::size_t och = static_cast<std::size_t>(fmt_.channels);
    std::vector<std::int16_t> in(block * fch);
    std::vector<std::int16_t> out(block * och);
    const auto t0 = clock::now();
    std::uint64_t delivered = 0;

    while (!stop_.load(std::memory_order_relaxed)) {
        sf_count_t got = sf_readf_short(sf_, in.data(), static_cast<sf_count_t>(block));
        if (got <= 0) {
            if (loop_ && sf_seek(sf_, 0, SEEK_SET) == 0) continue;
            sink.set_status(SourceStatus::ended);
            return;
        }
        const std::size_t n = static_cast<std::size_t>(got);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t c = 0; c < och; ++c) out[i * och + c] = in[i * fch + c];

        if (realtime_) {
            // A microphone delivers at its own pace and drops what the ring cannot take.
            delivered += n;
            const auto due = t0 + std::chrono::nanoseconds(delivered * 1'000'000'000ULL /
                                                           static_cast<std::uint64_t>(fmt_.sample_rate));
            std::this_thread::sleep_until(due);
            sink.push(out.data(), n);
        } else {
            // As fast as the worker drains it, losing nothing, but never more than ~1 s ahead:
            // what the worker reads next is then still in the CPU's cache.
            const std::size_t high_water = static_cast<std::size_t>(fmt_.sample_rate) * och;
            std::size_t done = 0;
            while (done < n) {
                const std::size_t room = std::min(sink.ring().write_available(),
                                                  high_water - std::min(high_water, sink.ring().read_available())) /
                                         och;
                if (room == 0) {
                    if (stop_.load(std::memory_order_relaxed)) return;
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    continue;
                }
                const std::size_t k = std::min(room, n - done);
                sink.push(out.data() + done * och, k);
                done += k;
            }
        }
    }
}

}  // namespace sb
