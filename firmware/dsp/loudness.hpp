#pragma once
// EBU R128 loudness (integrated LUFS) and true peak, through libebur128.
#include <cstddef>
#include <ebur128.h>
#include <optional>

namespace sb {

class Loudness {
public:
    Loudness(int channels, int sample_rate);
    ~Loudness();
    Loudness(const Loudness&) = delete;
    Loudness& operator=(const Loudness&) = delete;

    void add(const float* interleaved, std::size_t nframes);
    // Integrated loudness in LUFS; nullopt for silence or too little audio to gate.
    std::optional<double> integrated_lufs() const;
    // Highest true peak of any channel, in dBTP; nullopt for digital silence.
    std::optional<double> true_peak_dbtp() const;

private:
    ebur128_state* st_ = nullptr;
    int channels_;
};

// Q7.8 fixed-point gain that brings `lufs` to the -23 LUFS reference of RFC 7845's R128 tags.
int r128_gain_q78(double lufs);

}  // namespace sb
