#pragma once
// The booth's microphones: a real one found by name through PortAudio, or the simulated one (a
// file looped at real time) for demos and tests.
#include "capture/microphone.hpp"

#include <filesystem>
#include <string>

namespace sb {

// A USB microphone or interface matched by part of its name; empty name: the default input.
// Each present()/open() re-enumerates (PortAudio's device list is a snapshot), so a microphone
// plugged in after start is found.
class DeviceMicrophone final : public Microphone {
public:
    DeviceMicrophone(std::string name_part, int channels) : want_(std::move(name_part)), channels_(channels) {}
    bool present() override;
    std::string name() const override;
    std::unique_ptr<AudioSource> open() override;

private:
    std::string want_;
    int channels_;
    std::string last_seen_;
};

class SimulatedMicrophone final : public Microphone {
public:
    SimulatedMicrophone(std::filesystem::path file, int channels) : file_(std::move(file)), channels_(channels) {}
    bool present() override;
    std::string name() const override { return "simulated (" + file_.filename().string() + ")"; }
    std::unique_ptr<AudioSource> open() override;

private:
    std::filesystem::path file_;
    int channels_;
};

}  // namespace sb
