#pragma once
// Real microphones through PortAudio: device listing and a capture thread that reads with the
// blocking API (Pa_ReadStream), which avoids the callback-mode start timeout of slow USB devices.
#include "capture/source.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

typedef void PaStream;

namespace sb {

// Keeps PortAudio initialised while alive (reference counted; the device list is a snapshot
// taken at the first initialisation, so re-create to re-enumerate). ALSA's start-up chatter on
// stderr is silenced during Pa_Initialize only.
class PortAudioSystem {
public:
    PortAudioSystem();
    ~PortAudioSystem();
    PortAudioSystem(const PortAudioSystem&) = delete;
    PortAudioSystem& operator=(const PortAudioSystem&) = delete;
};

struct DeviceInfo {
    int index = -1;  // PortAudio's index now; never stored, it changes between boots
    std::string name;
    std::string host_api;
    int input_channels = 0;
    bool opens_48000 = false;
    bool opens_44100 = false;
};

// Capture-capable devices. Needs a live PortAudioSystem.
std::vector<DeviceInfo> list_capture_devices();

// The device whose name contains `name` (case-insensitive; an exact match wins).
// Throws sb::Error listing what exists when nothing matches.
DeviceInfo find_capture_device(const std::string& name);

class PortAudioSource final : public AudioSource {
public:
    // channels: 1 or 2 microphones (0 = as many as the device has, up to 2).
    // Opens at 48000 Hz, or 44100 Hz when that is all the device offers. Throws sb::Error.
    PortAudioSource(const std::string& device_name, int channels);
    ~PortAudioSource() override;

    SourceFormat format() const override { return fmt_; }
    std::string name() const override { return device_.name; }
    bool is_device() const override { return true; }
    void start(CaptureSink& sink) override;
    void stop() override;

private:
    void run(CaptureSink& sink);

    PortAudioSystem pa_;
    DeviceInfo device_;
    SourceFormat fmt_;
    PaStream* stream_ = nullptr;
    std::atomic<bool> stop_{false};
    std::atomic<bool> exited_{true};
    std::thread thread_;
};

}  // namespace sb
