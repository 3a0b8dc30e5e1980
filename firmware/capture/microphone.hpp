#pragma once
// Where the booth gets its microphone from. The daemon holds one; the session asks it for a
// source at mic check and again after the microphone was lost (re-enumerating by name, since
// PortAudio's device list is a snapshot and card numbers change).
#include "capture/source.hpp"

#include <memory>
#include <string>

namespace sb {

class Microphone {
public:
    virtual ~Microphone() = default;
    // True when a device matching the configuration can be seen right now (re-checks).
    virtual bool present() = 0;
    // What the booth calls it: the device's name, or "simulated (FILE)".
    virtual std::string name() const = 0;
    // A fresh source, not yet started. Throws sb::Error with a plain-language reason
    // ("no microphone is connected", ...).
    virtual std::unique_ptr<AudioSource> open() = 0;
};

}  // namespace sb
