#include "dsp/loudness.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sb {

namespace {

constexpr double kPi = 3.14159265358979323846;

// BS.1770's loudness of a mean-square energy.
double to_lufs(double energy) { return -0.691 + 10.0 * std::log10(energy); }

}  // namespace

Loudness::Loudness(int channels, int sample_rate)
    : channels_(channels < 1 ? 1 : (channels > 2 ? 2 : channels)),
      sub_len_(static_cast<std::size_t>(sample_rate) / 10) {
    if (sample_rate < 8000) throw Error("loudness: unsupported sample rate " + std::to_string(sample_rate));
    // K-weighting derived for this rate from the analogue prototypes behind BS.1770's 48 kHz
    // coefficients: a high shelf (+4 dB above ~1.7 kHz) and the RLB high-pass (~38 Hz).
    {
        const double f0 = 1681.974450955533, gain_db = 3.999843853973347, q = 0.7071752369554196;
        const double k = std::tan(kPi * f0 / sample_rate);
        const double vh = std::pow(10.0, gain_db / 20.0);
        const double vb = std::pow(vh, 0.4996667741545416);
        const double a0 = 1.0 + k / q + k * k;
        shelf_ = {(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
                  2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
    }
    {
        const double f0 = 38.13547087602444, q = 0.5003270373238773;
        const double k = std::tan(kPi * f0 / sample_rate);
        const double a0 = 1.0 + k / q + k * k;
        highpass_ = {1.0, -2.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
    }
    // True peak: a 48-tap windowed-sinc interpolator split into four 12-tap phases.
    coeffs_.resize(kPhases * kTaps);
    const int total = kPhases * kTaps;
    const double centre = (total - 1) / 2.0;
    bound_ = 0.0f;
    for (int p = 0; p < kPhases; ++p) {
        float sum_abs = 0.0f;
        for (int t = 0; t < kTaps; ++t) {
            const int n = t * kPhases + p;  // index in the oversampled filter
            const double x = (n - centre) / kPhases;
            const double sinc = x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x);
            const double window = 0.5 - 0.5 * std::cos(2.0 * kPi * (n + 0.5) / total);
            const auto c = static_cast<float>(sinc * window);
            coeffs_[static_cast<std::size_t>(p * kTaps + t)] = c;
            sum_abs += std::fabs(c);
        }
        bound_ = std::max(bound_, sum_abs);
    }
    blocks_.reserve(36000);  // an hour of 100 ms steps
}

namespace {

// One K-weighting section pair (shelf then high-pass) over `n` samples of one channel, strided.
// Returns the sum of squares of the output.
double k_weight_mono(const float* x, std::size_t n, const double* sh, const double* hp, double* st) {
    double z1 = st[0], z2 = st[1], w1 = st[2], w2 = st[3];
    double energy = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const double v = x[k];
        const double y1 = sh[0] * v + z1;
        z1 = sh[1] * v - sh[3] * y1 + z2;
        z2 = sh[2] * v - sh[4] * y1;
        const double y2 = hp[0] * y1 + w1;
        w1 = hp[1] * y1 - hp[3] * y2 + w2;
        w2 = hp[2] * y1 - hp[4] * y2;
        energy += y2 * y2;
    }
    st[0] = z1;
    st[1] = z2;
    st[2] = w1;
    st[3] = w2;
    return energy;
}

// Both channels of a stereo signal in one pass: two independent recurrences run side by side.
void k_weight_stereo(const float* x, std::size_t n, const double* sh, const double* hp, double* stl, double* str,
                     double& el, double& er) {
    double lz1 = stl[0], lz2 = stl[1], lw1 = stl[2], lw2 = stl[3];
    double rz1 = str[0], rz2 = str[1], rw1 = str[2], rw2 = str[3];
    double sl = 0.0, sr = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const double vl = x[2 * k], vr = x[2 * k + 1];
        const double yl = sh[0] * vl + lz1, yr = sh[0] * vr + rz1;
        lz1 = sh[1] * vl - sh[3] * yl + lz2;
        rz1 = sh[1] * vr - sh[3] * yr + rz2;
        lz2 = sh[2] * vl - sh[4] * yl;
        rz2 = sh[2] * vr - sh[4] * yr;
        const double ol = hp[0] * yl + lw1, orr = hp[0] * yr + rw1;
        lw1 = hp[1] * yl - hp[3] * ol + lw2;
        rw1 = hp[1] * yr - hp[3] * orr + rw2;
        lw2 = hp[2] * yl - hp[4] * ol;
        rw2 = hp[2] * yr - hp[4] * orr;
        sl += ol * ol;
        sr += orr * orr;
    }
    stl[0] = lz1, stl[1] = lz2, stl[2] = lw1, stl[3] = lw2;
    str[0] = rz1, str[1] = rz2, str[2] = rw1, str[3] = rw2;
    el += sl;
    er += sr;
}

// Largest |x| of every `stride`-th float, compared as integers (the bit patterns of
// non-negative floats order like their values), which the compiler can vectorise.
float abs_max(const float* x, std::size_t n, std::size_t stride) {
    std::uint32_t m = 0;
    for (std::size_t k = 0; k < n; ++k) {
        std::uint32_t b;
        std::memcpy(&b, &x[k * stride], sizeof b);
        b &= 0x7fffffffu;
        m = b > m ? b : m;
    }
    float f;
    std::memcpy(&f, &m, sizeof f);
    return f;
}

}  // namespace

void Loudness::add(const float* in, std::size_t nframes) {
    add_true_peak(in, nframes);
    const double sh[5] = {shelf_.b0, shelf_.b1, shelf_.b2, shelf_.a1, shelf_.a2};
    const double hp[5] = {highpass_.b0, highpass_.b1, highpass_.b2, highpass_.a1, highpass_.a2};
    std::size_t i = 0;
    while (i < nframes) {
        const std::size_t n = std::min(nframes - i, sub_len_ - sub_frames_);
        const float* x = in + i * static_cast<std::size_t>(channels_);
        if (channels_ == 1) {
            sub_energy_[0] += k_weight_mono(x, n, sh, hp, state_[0]);
        } else {
            k_weight_stereo(x, n, sh, hp, state_[0], state_[1], sub_energy_[0], sub_energy_[1]);
        }
        sub_frames_ += n;
        i += n;
        if (sub_frames_ == sub_len_) {
            double e = 0.0;
            for (int c = 0; c < channels_; ++c) e += sub_energy_[c] / static_cast<double>(sub_len_);
            // A 400 ms block is four consecutive 100 ms sub-blocks; one ends every 100 ms.
            if (recent_count_ == 3) blocks_.push_back((recent_[0] + recent_[1] + recent_[2] + e) / 4.0);
            recent_[0] = recent_[1];
            recent_[1] = recent_[2];
            recent_[2] = e;
            recent_count_ = std::min(recent_count_ + 1, 3);
            sub_energy_[0] = sub_energy_[1] = 0.0;
            sub_frames_ = 0;
        }
    }
}

void Loudness::add_true_peak(const float* in, std::size_t nframes) {
    const auto ch = static_cast<std::size_t>(channels_);
    // Skip the interpolation when even the worst overshoot of this stretch (its largest sample
    // times the filter's largest gain) cannot beat the peak already found: exact, and cheap
    // once the loudest moments have been seen.
    for (std::size_t c = 0; c < ch; ++c) {
        float m = abs_max(in + c, nframes, ch);
        for (float h : history_[c]) m = std::max(m, std::fabs(h));
        if (m * bound_ > peak_) {
            scratch_.resize(nframes + kTaps);
            std::copy(std::begin(history_[c]), std::end(history_[c]), scratch_.begin());
            for (std::size_t k = 0; k < nframes; ++k) scratch_[kTaps + k] = in[k * ch + c];
            // Interpolate only where a window holds a sample loud enough to beat the peak
            // through the filter's gain; elsewhere the bound already rules it out.
            float local = peak_;
            std::ptrdiff_t last_hot = -static_cast<std::ptrdiff_t>(kTaps) - 1;
            for (std::size_t k = 0; k < static_cast<std::size_t>(kTaps); ++k)
                if (std::fabs(scratch_[k]) * bound_ > local) last_hot = static_cast<std::ptrdiff_t>(k);
            for (std::size_t k = 0; k < nframes; ++k) {
                const std::size_t newest = k + kTaps;  // index in scratch_ of input sample k
                const float v = std::fabs(scratch_[newest]);
                if (v * bound_ > local) last_hot = static_cast<std::ptrdiff_t>(newest);
                if (static_cast<std::ptrdiff_t>(newest) - last_hot >= kTaps) continue;
                const float* w = &scratch_[k + 1];  // the kTaps samples ending at input k
                local = std::max(local, v);
                for (int p = 0; p < kPhases; ++p) {
                    const float* h = &coeffs_[static_cast<std::size_t>(p * kTaps)];
                    float acc = 0.0f;
                    for (int t = 0; t < kTaps; ++t) acc += h[t] * w[kTaps - 1 - t];
                    local = std::max(local, std::fabs(acc));
                }
            }
            peak_ = local;
        }
        // Keep the last kTaps samples for the next call.
        for (int t = 0; t < kTaps; ++t) {
            const std::ptrdiff_t k = static_cast<std::ptrdiff_t>(nframes) - kTaps + t;
            history_[c][t] = k >= 0 ? in[static_cast<std::size_t>(k) * ch + c] : history_[c][t + static_cast<int>(nframes)];
        }
    }
}

std::optional<double> Loudness::integrated_lufs() const {
    const double abs_gate = std::pow(10.0, (-70.0 + 0.691) / 10.0);
    double sum = 0.0;
    std::size_t n = 0;
    for (double b : blocks_)
        if (b > abs_gate) {
            sum += b;
            ++n;
        }
    if (n == 0) return std::nullopt;
    const double rel_gate = (sum / static_cast<double>(n)) * std::pow(10.0, -10.0 / 10.0);
    const double gate = std::max(abs_gate, rel_gate);
    sum = 0.0;
    n = 0;
    for (double b : blocks_)
        if (b > gate) {
            sum += b;
            ++n;
        }
    if (n == 0) return std::nullopt;
    return to_lufs(sum / static_cast<double>(n));
}

std::optional<double> Loudness::true_peak_dbtp() const {
    if (peak_ <= 0.0f) return std::nullopt;
    return 20.0 * std::log10(static_cast<double>(peak_));
}

int r128_gain_q78(double lufs) {
    double q = std::round((-23.0 - lufs) * 256.0);
    if (q > 32767) q = 32767;
    if (q < -32768) q = -32768;
    return static_cast<int>(q);
}

}  // namespace sb
