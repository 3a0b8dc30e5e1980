// The daemon with the button configured: a chip that is not there is logged in one clear line
// and the booth still starts, serves and records from the touchscreen.
#include "daemon/booth.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include <thread>

TEST(BoothButton, AMissingGpioChipIsLoggedAndTheBoothStillStarts) {
    sbtest::TempDir dir;
    sbtest::Pcm pcm;
    pcm.rate = 48000;
    pcm.channels = 1;
    pcm.samples.assign(48000, 0);
    sbtest::write_wav(dir / "in.wav", pcm);

    sb::Settings s;
    s.data = dir / "data";
    s.listen = "127.0.0.1:0";
    s.input = dir / "in.wav";
    s.gpio_chip = "storybooth-no-such-chip";
    std::ostringstream out;
    const auto previous = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
    std::unique_ptr<sb::Booth> booth;
    EXPECT_NO_THROW(booth = std::make_unique<sb::Booth>(s, "test"));
    spdlog::set_default_logger(previous);
    const std::string log = out.str();
    EXPECT_NE(log.find("the press-to-record button is off: cannot open the GPIO chip 'storybooth-no-such-chip'"),
              std::string::npos)
        << log;
    ASSERT_TRUE(booth);
    const int port = booth->bind();
    EXPECT_GT(port, 0);
    std::thread server([&] { booth->serve(); });
    booth->stop();
    server.join();
}
