#include "unit/repair/helpers.hpp"

#include <gtest/gtest.h>
#include <opus/opusenc.h>
#include <opus/opusfile.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace sbt {

TempDir::TempDir() {
    fs::path base = "/dev/shm";
    if (::access(base.c_str(), W_OK) != 0) base = fs::temp_directory_path();
    std::string tmpl = (base / "sb-repair-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::vector<std::int16_t> make_pcm(int channels, std::size_t frames, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> noise(-1.0, 1.0);
    std::vector<std::int16_t> out(frames * static_cast<std::size_t>(channels));
    const double pi = 3.14159265358979323846;
    for (int ch = 0; ch < channels; ++ch) {
        double ph1 = 0, ph2 = 0;
        const double base = 180.0 + 70.0 * ch;
        for (std::size_t i = 0; i < frames; ++i) {
            const double t = static_cast<double>(i) / 48000.0;
            const double f1 = base * (1.0 + 0.3 * std::sin(2 * pi * 0.7 * t));
            const double f2 = 2.5 * base + 400.0 * std::sin(2 * pi * 0.23 * t);
            ph1 += 2 * pi * f1 / 48000.0;
            ph2 += 2 * pi * f2 / 48000.0;
            const double env = 0.55 + 0.45 * std::sin(2 * pi * 3.1 * t + ch);
            const double v = env * (0.45 * std::sin(ph1) + 0.2 * std::sin(ph2)) + 0.04 * noise(rng);
            out[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(ch)] =
                static_cast<std::int16_t>(std::clamp(v, -1.0, 1.0) * 32000.0);
        }
    }
    return out;
}

void encode_opus(const fs::path& file, const std::vector<std::int16_t>& pcm, int channels,
                 const Comments& comments, int bitrate) {
    OggOpusComments* com = ope_comments_create();
    ASSERT_NE(com, nullptr);
    for (const auto& [k, v] : comments) ASSERT_EQ(ope_comments_add(com, k.c_str(), v.c_str()), OPE_OK);
    int err = 0;
    OggOpusEnc* enc = ope_encoder_create_file(file.c_str(), com, 48000, channels, 0, &err);
    ope_comments_destroy(com);
    ASSERT_NE(enc, nullptr) << ope_strerror(err);
    ASSERT_EQ(ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)), OPE_OK);
    ASSERT_EQ(ope_encoder_ctl(enc, OPE_SET_DECISION_DELAY(4800)), OPE_OK);
    ASSERT_EQ(ope_encoder_ctl(enc, OPE_SET_MUXING_DELAY(4800)), OPE_OK);
    ASSERT_EQ(ope_encoder_ctl(enc, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS)), OPE_OK);
    ASSERT_EQ(ope_encoder_flush_header(enc), OPE_OK);
    const std::size_t frames = pcm.size() / static_cast<std::size_t>(channels);
    for (std::size_t at = 0; at < frames; at += 4800) {  // 100 ms blocks, as a recorder delivers them
        const std::size_t n = std::min<std::size_t>(4800, frames - at);
        ASSERT_EQ(ope_encoder_write(enc, pcm.data() + at * static_cast<std::size_t>(channels), static_cast<int>(n)),
                  OPE_OK);
    }
    ASSERT_EQ(ope_encoder_drain(enc), OPE_OK);
    ope_encoder_destroy(enc);
}

Decoded decode_opus(const fs::path& file) {
    Decoded d;
    OggOpusFile* of = op_open_file(file.c_str(), &d.open_error);
    if (!of) {
        if (d.open_error == 0) d.open_error = -1;
        return d;
    }
    d.channels = op_channel_count(of, -1);
    d.pcm_total = op_pcm_total(of, -1);
    if (const OpusTags* tags = op_tags(of, -1)) {
        d.vendor = tags->vendor ? tags->vendor : "";
        for (int i = 0; i < tags->comments; ++i)
            d.comments.emplace_back(tags->user_comments[i], static_cast<std::size_t>(tags->comment_lengths[i]));
    }
    std::vector<opus_int16> buf(5760 * 2 * 8);
    for (;;) {
        const int n = op_read(of, buf.data(), static_cast<int>(buf.size()), nullptr);
        if (n < 0) {
            d.read_error = n;
            break;
        }
        if (n == 0) break;
        d.pcm.insert(d.pcm.end(), buf.begin(), buf.begin() + n * d.channels);
    }
    op_free(of);
    return d;
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

Run run(const std::string& command_line) {
    Run r;
    FILE* p = ::popen((command_line + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    const int st = ::pclose(p);
    if (st != -1 && WIFEXITED(st)) r.status = WEXITSTATUS(st);
    return r;
}

std::string quote(const fs::path& p) {
    std::string s = "'";
    for (char c : p.string()) {
        if (c == '\'') s += "'\\''";
        else s += c;
    }
    return s + "'";
}

std::vector<std::string> opusinfo_warnings(const fs::path& file) {
    const Run r = run("opusinfo " + quote(file));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("Playback length"), std::string::npos) << r.output;
    std::vector<std::string> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
        std::string low = line;
        std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return std::tolower(c); });
        if (low.find("warning") != std::string::npos) lines.push_back(line);
    }
    return lines;
}

}  // namespace sbt
