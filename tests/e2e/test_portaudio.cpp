// The real PortAudio capture path, through an ALSA "file" device that reads a raw file.
#include "capture/portaudio_source.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "e2e/e2e.hpp"

#include <chrono>
#include <cstdlib>
#include <gtest/gtest.h>
#include <thread>

using namespace sbtest;
namespace fs = std::filesystem;

namespace {

// A virtual microphone named "testmic" that plays `frames` of a known stereo signal, then
// silence padding (an ALSA file device repeats its last buffer at the end of the file).
class VirtualMic {
public:
    explicit VirtualMic(std::size_t frames, int channels = 2) {
        pcm_.rate = 48000;
        pcm_.channels = channels;
        for (std::size_t i = 0; i < frames; ++i)
            for (int c = 0; c < channels; ++c)
                pcm_.samples.push_back(static_cast<std::int16_t>(((i * 31 + static_cast<std::size_t>(c) * 17771) % 50000) - 25000));
        std::string raw(reinterpret_cast<const char*>(pcm_.samples.data()), pcm_.samples.size() * 2);
        raw.append(48000 * 4 * static_cast<std::size_t>(channels), '\0');
        sb::write_file_atomic(dir_ / "mic.raw", raw);
        // PortAudio 19.6 asserts while listing devices from a config that defines no default
        // PCM, so one (a null device) comes first.
        const std::string conf = "pcm.!default { type null }\npcm.testmic {\n  type file\n  slave.pcm { type null }\n  file \"/dev/null\"\n  infile \"" +
                                 (dir_ / "mic.raw").string() + "\"\n  format \"raw\"\n}\n";
        sb::write_file_atomic(dir_ / "asound.conf", conf);
        ::setenv("ALSA_CONFIG_PATH", conf_path().c_str(), 1);
    }
    std::string conf_path() const { return (dir_ / "asound.conf").string(); }
    const Pcm& pcm() const { return pcm_; }
    const TempDir& dir() const { return dir_; }

private:
    TempDir dir_;
    Pcm pcm_;
};

}  // namespace

TEST(PortAudio, ListsTheVirtualMicrophoneWithItsRates) {
    VirtualMic mic(4800);
    sb::PortAudioSystem pa;
    auto devices = sb::list_capture_devices();
    auto it = std::find_if(devices.begin(), devices.end(), [](const sb::DeviceInfo& d) { return d.name == "testmic"; });
    ASSERT_NE(it, devices.end());
    EXPECT_GE(it->input_channels, 2);
    EXPECT_TRUE(it->opens_48000);
}

TEST(PortAudio, CapturesInt16BitExactThroughTheRealPath) {
    VirtualMic mic(48000 * 2);
    sb::PortAudioSource src("testmic", 2);
    EXPECT_EQ(src.format().sample_rate, 48000);
    EXPECT_EQ(src.format().channels, 2);
    sb::CaptureSink sink(2, 48000 * 4);
    src.start(sink);
    const std::size_t want = mic.pcm().samples.size();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (sink.ring().read_available() < want && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    src.stop();
    std::vector<std::int16_t> got(want);
    ASSERT_EQ(sink.ring().read(got.data(), want), want);
    EXPECT_TRUE(got == mic.pcm().samples);
}

TEST(PortAudio, DeviceIsFoundByPartOfItsNameNeverByIndex) {
    VirtualMic mic(4800);
    sb::PortAudioSystem pa;
    EXPECT_EQ(sb::find_capture_device("TESTM").name, "testmic");
    try {
        sb::find_capture_device("Blue Yeti");
        FAIL();
    } catch (const sb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'testmic'"), std::string::npos) << e.what();
    }
}

TEST(PortAudio, RecordCommandCapturesFromADeviceIntoABitExactMaster) {
    VirtualMic mic(48000 * 3);
    TempDir t;
    auto r = run("ALSA_CONFIG_PATH=" + q(mic.conf_path()) + " " + q(storybooth()) + " record --data " + q((t / "d").string()) +
                 " --device testmic --channels 2 --seconds 2 --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_NEAR(j["duration_ms"].get<double>(), 2000.0, 20.0);
    auto m = read_pcm(j["master"].get<std::string>());
    ASSERT_EQ(m.frames(), 96000u);
    EXPECT_TRUE(std::equal(m.samples.begin(), m.samples.end(), mic.pcm().samples.begin()));
    EXPECT_EQ(opusinfo_warnings(j["opus"].get<std::string>()), "");
}

TEST(PortAudio, DevicesCommandShowsTheDevice) {
    VirtualMic mic(4800);
    auto r = run("ALSA_CONFIG_PATH=" + q(mic.conf_path()) + " " + q(storybooth()) + " devices --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_GE(j.size(), 1u);
    bool found = false;
    for (const auto& d : j)
        if (d["name"] == "testmic") {
            found = true;
            EXPECT_TRUE(d["opens_48000"].get<bool>());
        }
    EXPECT_TRUE(found) << r.out;
}
