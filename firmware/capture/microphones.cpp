#include "capture/microphones.hpp"

#include "capture/file_source.hpp"
#include "capture/portaudio_source.hpp"
#include "common/error.hpp"

#include <portaudio.h>

namespace sb {

namespace {

std::string default_input_name() {
    const PaDeviceIndex i = Pa_GetDefaultInputDevice();
    if (i == paNoDevice) return "";
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    return d && d->maxInputChannels > 0 && d->name ? d->name : "";
}

}  // namespace

bool DeviceMicrophone::present() {
    try {
        PortAudioSystem pa;
        if (want_.empty()) {
            last_seen_ = default_input_name();
            return !last_seen_.empty();
        }
        last_seen_ = find_capture_device(want_).name;
        return true;
    } catch (const Error&) {
        return false;
    }
}

std::string DeviceMicrophone::name() const {
    if (!last_seen_.empty()) return last_seen_;
    return want_.empty() ? "default input" : want_;
}

std::unique_ptr<AudioSource> DeviceMicrophone::open() {
    std::string name = want_;
    if (name.empty()) {
        PortAudioSystem pa;
        name = default_input_name();
        if (name.empty()) throw Error("No microphone is connected. Plug in the booth's USB microphone.");
    }
    try {
        return std::make_unique<PortAudioSource>(name, channels_);
    } catch (const Error& e) {
        throw Error(std::string("The microphone is not available: ") + e.what());
    }
}

bool SimulatedMicrophone::present() {
    std::error_code ec;
    return std::filesystem::is_regular_file(file_, ec);
}

std::unique_ptr<AudioSource> SimulatedMicrophone::open() {
    return std::make_unique<FileSource>(file_, channels_, /*realtime=*/true, /*loop=*/true);
}

}  // namespace sb
