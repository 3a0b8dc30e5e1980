#include "capture/portaudio_source.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fcntl.h>
#include <mutex>
#include <portaudio.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace sb {

namespace {

std::mutex g_pa_mutex;
int g_pa_users = 0;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool opens_at(int index, int channels, double rate) {
    PaStreamParameters p{};
    p.device = index;
    p.channelCount = channels;
    p.sampleFormat = paInt16;
    p.suggestedLatency = Pa_GetDeviceInfo(index)->defaultHighInputLatency;
    return Pa_IsFormatSupported(&p, nullptr, rate) == paFormatIsSupported;
}

}  // namespace

PortAudioSystem::PortAudioSystem() {
    std::lock_guard<std::mutex> lock(g_pa_mutex);
    if (g_pa_users++ > 0) return;
    // ALSA and JACK print many lines while probing; keep them off the booth's log.
    fflush(stderr);
    int saved = ::dup(2);
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) ::dup2(devnull, 2);
    PaError err = Pa_Initialize();
    if (saved >= 0) {
        ::dup2(saved, 2);
        ::close(saved);
    }
    if (devnull >= 0) ::close(devnull);
    if (err != paNoError) {
        --g_pa_users;
        throw Error(std::string("cannot start the audio system (PortAudio): ") + Pa_GetErrorText(err));
    }
}

void PortAudioSystem::keep_forever() {
    std::lock_guard<std::mutex> lock(g_pa_mutex);
    ++g_pa_users;  // this reference is never given back
}

PortAudioSystem::~PortAudioSystem() {
    std::lock_guard<std::mutex> lock(g_pa_mutex);
    if (--g_pa_users == 0) Pa_Terminate();
}

std::vector<DeviceInfo> list_capture_devices() {
    std::vector<DeviceInfo> out;
    const int n = Pa_GetDeviceCount();
    for (int i = 0; i < n; ++i) {
        const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
        if (!d || d->maxInputChannels < 1) continue;
        DeviceInfo info;
        info.index = i;
        info.name = d->name ? d->name : "";
        const PaHostApiInfo* api = Pa_GetHostApiInfo(d->hostApi);
        info.host_api = api && api->name ? api->name : "";
        info.input_channels = d->maxInputChannels;
        const int ch = std::min(2, d->maxInputChannels);
        info.opens_48000 = opens_at(i, ch, 48000);
        info.opens_44100 = opens_at(i, ch, 44100);
        out.push_back(std::move(info));
    }
    return out;
}

DeviceInfo find_capture_device(const std::string& name) {
    const auto devices = list_capture_devices();
    const std::string want = lower(name);
    for (const auto& d : devices)
        if (lower(d.name) == want) return d;
    for (const auto& d : devices)
        if (lower(d.name).find(want) != std::string::npos) return d;
    if (devices.empty())
        throw Error("no microphone matches '" + name + "': no capture devices were found (is the USB microphone plugged in?)");
    std::string names;
    for (const auto& d : devices) names += (names.empty() ? "" : ", ") + ("'" + d.name + "'");
    throw Error("no microphone matches '" + name + "'; devices present: " + names);
}

PortAudioSource::PortAudioSource(const std::string& device_name, int channels) {
    device_ = find_capture_device(device_name);
    int want = channels == 0 ? std::min(2, device_.input_channels) : channels;
    if (want < 1 || want > 2) throw Error("--channels must be 1 or 2");
    if (want > device_.input_channels)
        throw Error("device '" + device_.name + "' has " + std::to_string(device_.input_channels) +
                    " input channel(s); cannot record " + std::to_string(want) + " microphones from it");
    fmt_.channels = want;
    if (opens_at(device_.index, want, 48000))
        fmt_.sample_rate = 48000;
    else if (opens_at(device_.index, want, 44100))
        fmt_.sample_rate = 44100;
    else
        throw Error("device '" + device_.name + "' opens at neither 48000 nor 44100 Hz with " + std::to_string(want) +
                    " channel(s)");

    PaStreamParameters p{};
    p.device = device_.index;
    p.channelCount = fmt_.channels;
    p.sampleFormat = paInt16;
    p.suggestedLatency = Pa_GetDeviceInfo(device_.index)->defaultHighInputLatency;
    cap_->frames_per_read = static_cast<unsigned long>(fmt_.sample_rate / 100);
    PaError err = Pa_OpenStream(&cap_->stream, &p, nullptr, fmt_.sample_rate, cap_->frames_per_read, paClipOff, nullptr, nullptr);
    if (err != paNoError)
        throw Error("cannot open device '" + device_.name + "': " + Pa_GetErrorText(err));
}

PortAudioSource::~PortAudioSource() {
    stop();
    // A stream whose thread is stuck inside it stays open: closing it would free what that
    // thread is using.
    if (cap_->stream && !abandoned_) Pa_CloseStream(cap_->stream);
}

void PortAudioSource::start(CaptureSink& sink) {
    if (abandoned_) throw Error("device '" + device_.name + "' stopped answering; it cannot be started again");
    PaError err = Pa_StartStream(cap_->stream);
    if (err != paNoError) throw Error("cannot start device '" + device_.name + "': " + Pa_GetErrorText(err));
    cap_->stop.store(false);
    cap_->exited.store(false);
    thread_ = std::thread([cap = cap_, &sink] { run(cap, sink); });
}

void PortAudioSource::stop() {
    if (!thread_.joinable()) return;
    cap_->stop.store(true);
    // A power-cycled USB device can hang PortAudio 19.6 inside its ALSA wait; abort the stream
    // from outside if the capture thread has not come back in time.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!cap_->exited.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!cap_->exited.load()) {
        Pa_AbortStream(cap_->stream);
        const auto second = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!cap_->exited.load() && std::chrono::steady_clock::now() < second)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (cap_->exited.load()) {
        thread_.join();
        Pa_StopStream(cap_->stream);
    } else {
        // Stuck in the driver: leave the thread with its stream and keep PortAudio (and the ALSA
        // plugin it runs in) loaded for good; if it ever comes back it sees `stop` and ends
        // without touching the sink. The process restart clears it.
        thread_.detach();
        abandoned_ = true;
        spdlog::warn("the capture thread of '{}' is stuck in the audio driver; it is left behind until the booth restarts",
                     device_.name);
        PortAudioSystem::keep_forever();
    }
}

// The audio thread: read, push, repeat. No locks, allocation, logging or file I/O here.
void PortAudioSource::run(std::shared_ptr<Capture> cap, CaptureSink& sink) {
    constexpr std::size_t kMaxBlock = 48000 / 100 * 2;
    std::int16_t buf[kMaxBlock];
    const unsigned long frames = cap->frames_per_read;
    while (!cap->stop.load(std::memory_order_relaxed)) {
        PaError err = Pa_ReadStream(cap->stream, buf, frames);
        // Told to stop while reading (perhaps long ago, and the sink is gone): leave at once.
        if (cap->stop.load(std::memory_order_acquire)) break;
        if (err == paInputOverflowed) {
            sink.note_device_overflow();
        } else if (err != paNoError) {
            sink.set_status(SourceStatus::device_lost);
            break;
        }
        sink.push(buf, frames);
    }
    cap->exited.store(true);
}

}  // namespace sb
