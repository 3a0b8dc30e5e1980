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

    // Never terminate PortAudio in this process: a capture thread is stuck inside the driver, and
    // Pa_Terminate would unload the ALSA plugin it is running in. The device list is then the
    // last snapshot until the process restarts.
    static void keep_forever();
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
    // What the capture thread uses. Shared with it, so a thread stuck in the driver and left
    // behind (detached) never touches a destroyed source; once abandoned it never touches its
    // sink again, and its stream is never closed under it.
    struct Capture {
        PaStream* stream = nullptr;
        unsigned long frames_per_read = 0;
        std::atomic<bool> stop{false};
        std::atomic<bool> exited{true};
    };
    static void run(std::shared_ptr<Capture> cap, CaptureSink& sink);

    PortAudioSystem pa_;
    DeviceInfo device_;
    SourceFormat fmt_;
    std::shared_ptr<Capture> cap_ = std::make_shared<Capture>();
    bool abandoned_ = false;  // the capture thread was left stuck in the driver
    std::thread thread_;
};

}  // namespace sb
