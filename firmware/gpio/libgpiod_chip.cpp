// The real GPIO chip: libgpiod 1.6 (Debian bookworm, Raspberry Pi OS), character device API.
#include "gpio/gpio.hpp"

#include <cerrno>
#include <cstring>
#include <gpiod.h>

namespace sb::gpio {

namespace {

std::string reason(int err) { return std::strerror(err); }

class LibgpiodInput final : public InputLine {
public:
    LibgpiodInput(gpiod_line* line, std::string name) : line_(line), name_(std::move(name)) {}
    ~LibgpiodInput() override { gpiod_line_release(line_); }
    LibgpiodInput(const LibgpiodInput&) = delete;
    LibgpiodInput& operator=(const LibgpiodInput&) = delete;

    std::optional<Edge> wait_edge(std::chrono::milliseconds timeout) override {
        const auto ms = timeout.count() < 0 ? 0 : timeout.count();
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(ms / 1000);
        ts.tv_nsec = static_cast<long>((ms % 1000) * 1000000);
        const int r = gpiod_line_event_wait(line_, &ts);
        if (r < 0) throw GpioError("cannot wait for the GPIO line " + name_ + ": " + reason(errno));
        if (r == 0) return std::nullopt;
        gpiod_line_event ev{};
        if (gpiod_line_event_read(line_, &ev) < 0)
            throw GpioError("cannot read the GPIO line " + name_ + ": " + reason(errno));
        // Since Linux 5.7 the kernel stamps events on the monotonic clock (the steady clock);
        // older kernels used the real-time clock. A stamp that is not close to now is not
        // monotonic: then the moment it was read stands in.
        const auto now = std::chrono::steady_clock::now();
        const auto at = TimePoint(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::seconds(ev.ts.tv_sec) + std::chrono::nanoseconds(ev.ts.tv_nsec)));
        const bool plausible = at <= now && now - at < std::chrono::seconds(10);
        return Edge{ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE, plausible ? at : now};
    }
    bool value() override {
        const int v = gpiod_line_get_value(line_);
        if (v < 0) throw GpioError("cannot read the GPIO line " + name_ + ": " + reason(errno));
        return v == 1;
    }

private:
    gpiod_line* line_;
    std::string name_;
};

class LibgpiodOutput final : public OutputLine {
public:
    LibgpiodOutput(gpiod_line* line, std::string name) : line_(line), name_(std::move(name)) {}
    ~LibgpiodOutput() override {
        gpiod_line_set_value(line_, 0);
        gpiod_line_release(line_);
    }
    LibgpiodOutput(const LibgpiodOutput&) = delete;
    LibgpiodOutput& operator=(const LibgpiodOutput&) = delete;

    void set(bool high) override {
        if (gpiod_line_set_value(line_, high ? 1 : 0) < 0)
            throw GpioError("cannot set the GPIO line " + name_ + ": " + reason(errno));
    }

private:
    gpiod_line* line_;
    std::string name_;
};

class LibgpiodChip final : public GpioChip {
public:
    explicit LibgpiodChip(const std::string& descr) : descr_(descr) {
        chip_ = gpiod_chip_open_lookup(descr.c_str());
        if (!chip_) {
            const int err = errno;
            throw GpioError("cannot open the GPIO chip '" + descr + "': " +
                            (err == ENOENT || err == ENODEV ? std::string("no such chip (see /dev/gpiochip*)")
                             : err == EACCES ? std::string("permission denied (the user needs the gpio group)")
                                             : reason(err)));
        }
    }
    ~LibgpiodChip() override { gpiod_chip_close(chip_); }
    LibgpiodChip(const LibgpiodChip&) = delete;
    LibgpiodChip& operator=(const LibgpiodChip&) = delete;

    std::string name() const override { return gpiod_chip_name(chip_); }

    std::unique_ptr<InputLine> request_input(const std::string& name, const std::string& consumer) override {
        gpiod_line* line = find(name);
        if (gpiod_line_request_both_edges_events_flags(line, consumer.c_str(), GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP) < 0)
            throw GpioError("cannot use the GPIO line " + name + " as the button: " + reason(errno));
        return std::make_unique<LibgpiodInput>(line, name);
    }

    std::unique_ptr<OutputLine> request_output(const std::string& name, const std::string& consumer,
                                               bool initial) override {
        gpiod_line* line = find(name);
        if (gpiod_line_request_output(line, consumer.c_str(), initial ? 1 : 0) < 0)
            throw GpioError("cannot use the GPIO line " + name + " as an output: " + reason(errno));
        return std::make_unique<LibgpiodOutput>(line, name);
    }

private:
    gpiod_line* find(const std::string& name) {
        gpiod_line* line = gpiod_chip_find_line(chip_, name.c_str());
        if (!line)
            throw GpioError("the GPIO chip '" + descr_ + "' has no line named " + name + " (see 'gpioinfo " + descr_ + "')");
        return line;
    }

    std::string descr_;
    gpiod_chip* chip_ = nullptr;
};

}  // namespace

std::unique_ptr<GpioChip> open_chip(const std::string& chip) {
    if (chip.empty()) throw GpioError("no GPIO chip was named");
    return std::make_unique<LibgpiodChip>(chip);
}

}  // namespace sb::gpio
