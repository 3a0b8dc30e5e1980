#pragma once
// GPIO lines behind one interface: the press-to-record button (an input with the pull-up on and
// an event on every edge) and its LED (an output). The real chip goes through libgpiod; tests use
// a chip of their own behind the same interface.
#include "common/error.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sb::gpio {

using TimePoint = std::chrono::steady_clock::time_point;

class GpioError : public Error {
public:
    using Error::Error;
};

// One change of an input line.
struct Edge {
    bool rising = false;  // true: the line went high (with the pull-up: the button was let go)
    TimePoint at{};       // when it happened, on the steady clock
};

class InputLine {
public:
    virtual ~InputLine() = default;
    // The next edge, or nullopt when none came within `timeout`. Throws GpioError when the line
    // cannot be read.
    virtual std::optional<Edge> wait_edge(std::chrono::milliseconds timeout) = 0;
    virtual bool value() = 0;  // the line's level now (true: high)
};

class OutputLine {
public:
    virtual ~OutputLine() = default;
    virtual void set(bool high) = 0;  // throws GpioError
};

class GpioChip {
public:
    virtual ~GpioChip() = default;
    virtual std::string name() const = 0;
    // An input with the internal pull-up and an event on both edges. Throws GpioError naming the
    // line when the chip has no line of that name or it is in use.
    virtual std::unique_ptr<InputLine> request_input(const std::string& line, const std::string& consumer) = 0;
    virtual std::unique_ptr<OutputLine> request_output(const std::string& line, const std::string& consumer,
                                                       bool initial) = 0;
};

// The kernel's GPIO chip through libgpiod: "gpiochip0", "/dev/gpiochip0", its label
// ("pinctrl-bcm2711") or its number. Throws GpioError with one clear line when it cannot be opened.
std::unique_ptr<GpioChip> open_chip(const std::string& chip);

}  // namespace sb::gpio
