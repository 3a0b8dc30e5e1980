#pragma once
// EBU R128 / ITU-R BS.1770-4 loudness: integrated loudness (K-weighting, 400 ms blocks with
// 75% overlap, absolute gate at -70 LUFS and relative gate at -10 LU) and true peak (4x
// oversampling). Written for the recording worker's budget: the tests hold it to libebur128's
// figures, at a fraction of libebur128's cost (see docs/architecture.md, "Loudness").
#include <cstddef>
#include <optional>
#include <vector>

namespace sb {

class Loudness {
public:
    // channels: 1 or 2. sample_rate: any rate (the K-weighting filters are derived for it).
    Loudness(int channels, int sample_rate);

    void add(const float* interleaved, std::size_t nframes);
    // Integrated loudness in LUFS; nullopt for silence or too little audio to gate.
    std::optional<double> integrated_lufs() const;
    // Highest true peak of any channel, in dBTP; nullopt for digital silence.
    std::optional<double> true_peak_dbtp() const;

private:
    struct Biquad {
        double b0, b1, b2, a1, a2;
    };
    void add_true_peak(const float* interleaved, std::size_t nframes);

    int channels_;
    Biquad shelf_{}, highpass_{};
    // Filter state per channel: two direct-form-II-transposed sections, two values each.
    double state_[2][4]{};
    // The current 100 ms sub-block: energy per channel and frames so far.
    double sub_energy_[2]{};
    std::size_t sub_frames_ = 0;
    std::size_t sub_len_;
    // Energies (sum over channels of mean square) of the last three sub-blocks, for the overlap.
    double recent_[3]{};
    int recent_count_ = 0;
    std::vector<double> blocks_;  // mean-square energy of every 400 ms block

    // True peak: the last taps-1 input samples per channel, and the highest peak so far.
    static constexpr int kPhases = 4;
    static constexpr int kTaps = 12;  // per phase
    std::vector<float> coeffs_;       // kPhases * kTaps
    float bound_ = 1.0f;              // most any phase can amplify: max over phases of sum |h|
    float history_[2][kTaps]{};
    float peak_ = 0.0f;
    std::vector<float> scratch_;
};

// Q7.8 fixed-point gain that brings `lufs` to the -23 LUFS reference of RFC 7845's R128 tags.
int r128_gain_q78(double lufs);

}  // namespace sb
