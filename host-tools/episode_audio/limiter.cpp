#include "episode_audio/limiter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sb::storysync {

// How the gain is built, for frame k of the gained input x:
//   seg[k]  the highest of |x[k]|, |x[k+1]| and the three interpolated points between them;
//   t[k]    = min(1, ceiling / max(seg[k-1], seg[k])): the gain frame k may have at most;
//   H[k]    = min of t over the last L frames (L = look-ahead);
//   R[k]    = min(H[k], R[k-1] released a little towards 1);
//   B[k]    = mean of R over the last L frames.
// Every R averaged into B[k] is at most t[k-L+1] (each H window covers k-L+1), so applying
// B[k] to frame k-L+1 keeps it under the ceiling, and B moves as a linear ramp over L frames.
// The interpolated points need kHalf frames after k, hence a latency of L - 1 + kHalf frames.

namespace {
constexpr double kPi = 3.14159265358979323846;

std::size_t next_pow2(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}
}  // namespace

const TruePeakInterpolator& TruePeakInterpolator::get() {
    static const TruePeakInterpolator instance = [] {
        TruePeakInterpolator t{};
        double bound = 1.0;
        for (int p = 1; p < kPhases; ++p) {
            double frac = static_cast<double>(p) / kPhases;
            double h[kTaps];
            double sum = 0.0;
            for (int j = 0; j < kTaps; ++j) {
                double d = j - kHalf + 1 - frac;  // distance from the point to tap j, in samples
                double sinc = std::sin(kPi * d) / (kPi * d);
                double w = 0.5 * (1.0 + std::cos(kPi * d / kHalf));
                h[j] = sinc * w;
                sum += h[j];
            }
            double abs_sum = 0.0;
            for (int j = 0; j < kTaps; ++j) {
                h[j] /= sum;
                t.coeffs[p - 1][j] = static_cast<float>(h[j]);
                abs_sum += std::fabs(h[j]);
            }
            bound = std::max(bound, abs_sum);
        }
        t.bound = static_cast<float>(bound * 1.001);  // margin for float rounding
        return t;
    }();
    return instance;
}

TruePeakMeter::TruePeakMeter(int channels) : channels_(channels) {
    if (channels < 1 || channels > 2) throw std::invalid_argument("true-peak meter: 1 or 2 channels");
    for (int c = 0; c < channels_; ++c) line_[c].assign(TruePeakInterpolator::kTaps - 1, 0.0f);
}

void TruePeakMeter::add(const float* in, std::size_t nframes) {
    constexpr std::size_t kTaps = TruePeakInterpolator::kTaps;
    constexpr std::size_t kChunk = 64;
    const auto& ip = TruePeakInterpolator::get();
    const std::size_t ch = static_cast<std::size_t>(channels_);
    for (std::size_t c = 0; c < ch; ++c) {
        std::vector<float>& line = line_[c];
        const std::size_t keep = kTaps - 1;
        line.resize(keep + nframes);
        for (std::size_t i = 0; i < nframes; ++i) line[keep + i] = in[i * ch + c];
        // Point between line[s+kHalf-1] and line[s+kHalf] uses taps line[s .. s+kTaps-1].
        const std::size_t segments = line.size() - keep;
        for (std::size_t s0 = 0; s0 < segments; s0 += kChunk) {
            const std::size_t s1 = std::min(segments, s0 + kChunk);
            float m = 0.0f;
            for (std::size_t i = s0; i < s1 + keep; ++i) m = std::max(m, std::fabs(line[i]));
            if (m * ip.bound <= peak_) continue;  // nothing here can beat the peak so far
            peak_ = std::max(peak_, m);          // sample peak
            for (std::size_t s = s0; s < s1; ++s) {
                const float* taps = &line[s];
                for (int p = 0; p < TruePeakInterpolator::kPhases - 1; ++p) {
                    float acc = 0.0f;
                    for (std::size_t j = 0; j < kTaps; ++j) acc += ip.coeffs[p][j] * taps[j];
                    peak_ = std::max(peak_, std::fabs(acc));
                }
            }
        }
        std::copy(line.end() - static_cast<std::ptrdiff_t>(keep), line.end(), line.begin());
        line.resize(keep);
    }
}

TruePeakLimiter::TruePeakLimiter(int channels, int sample_rate, const Options& options)
    : channels_(channels), interp_(TruePeakInterpolator::get()) {
    if (channels < 1 || channels > 2) throw std::invalid_argument("limiter: 1 or 2 channels");
    if (sample_rate <= 0) throw std::invalid_argument("limiter: bad sample rate");
    lookahead_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(options.lookahead_ms * 1e-3 * sample_rate)));
    latency_ = lookahead_ - 1 + kHalf;
    gain_ = static_cast<float>(std::pow(10.0, options.gain_db / 20.0));
    ceiling_ = static_cast<float>(std::pow(10.0, options.ceiling_dbtp / 20.0));
    release_coef_ = 1.0 - std::exp(-1.0 / std::max(1.0, options.release_ms * 1e-3 * sample_rate));

    hot_ = static_cast<float>(ceiling_ / (interp_.bound * 1.001));

    std::size_t ring = next_pow2(lookahead_ + kTaps + 4);
    ring_buf_.assign(ring * static_cast<std::size_t>(channels_), 0.0f);
    ring_mask_ = ring - 1;
    std::size_t dq = next_pow2(lookahead_ + 2);
    dq_idx_.assign(dq, 0);
    dq_val_.assign(dq, 1.0f);
    box_.assign(lookahead_, 1.0);
    box_sum_ = static_cast<double>(lookahead_);
}

void TruePeakLimiter::push(const float* frame) {
    float* dst = &ring_buf_[(in_count_ & ring_mask_) * static_cast<std::size_t>(channels_)];
    bool hot = false;
    for (int c = 0; c < channels_; ++c) {
        float v = frame[c] * gain_;
        dst[c] = v;
        hot |= std::fabs(v) > hot_;
    }
    ++in_count_;
    if (hot) last_hot_ = in_count_;  // 1 + index of this frame
}

float TruePeakLimiter::segment_peak(std::size_t k) const {
    // Taps k-kHalf+1 .. k+kHalf; frames before the start read as silence.
    if (last_hot_ == 0 || last_hot_ + kHalf < k + 2) return 0.0f;  // nothing near can reach the ceiling
    const std::size_t ch = static_cast<std::size_t>(channels_);
    float peak = 0.0f;
    for (std::size_t c = 0; c < ch; ++c) {
        float taps[kTaps];
        for (int j = 0; j < kTaps; ++j) {
            std::size_t idx = k + static_cast<std::size_t>(j) + 1;  // + kHalf offset below
            taps[j] = idx < static_cast<std::size_t>(kHalf) ? 0.0f
                                                             : ring_buf_[((idx - kHalf) & ring_mask_) * ch + c];
        }
        peak = std::max({peak, std::fabs(taps[kHalf - 1]), std::fabs(taps[kHalf])});
        for (int p = 0; p < kPhases - 1; ++p) {
            float acc = 0.0f;
            for (int j = 0; j < kTaps; ++j) acc += interp_.coeffs[p][j] * taps[j];
            peak = std::max(peak, std::fabs(acc));
        }
    }
    return peak;
}

void TruePeakLimiter::advance_gain(std::vector<float>& out) {
    const std::size_t k = gains_done_++;
    float seg = segment_peak(k);
    float worst = std::max(seg, prev_seg_peak_);
    prev_seg_peak_ = seg;
    float t = worst > ceiling_ ? ceiling_ / worst : 1.0f;
    const std::size_t ch = static_cast<std::size_t>(channels_);

    // Most of a recording never comes near the ceiling. Once the released gain has been exactly 1
    // for L frames, the window of required gains, the release and the average are all at 1: frames
    // pass at unity gain without touching that state until a peak needs a gain below 1.
    if (ones_run_ >= lookahead_) {
        if (t == 1.0f) {
            const float* src = &ring_buf_[((k + 1 - lookahead_) & ring_mask_) * ch];
            ++out_count_;
            out.insert(out.end(), src, src + ch);
            return;
        }
        dq_size_ = 0;  // every gain in the window was 1: nothing to keep but the new one
        box_sum_ = static_cast<double>(lookahead_);
    }
    // Sliding minimum over the last L required gains.
    const std::size_t dmask = dq_idx_.size() - 1;
    while (dq_size_ > 0 && dq_val_[(dq_head_ + dq_size_ - 1) & dmask] >= t) --dq_size_;
    dq_idx_[(dq_head_ + dq_size_) & dmask] = k;
    dq_val_[(dq_head_ + dq_size_) & dmask] = t;
    ++dq_size_;
    while (dq_idx_[dq_head_] + lookahead_ <= k) {
        dq_head_ = (dq_head_ + 1) & dmask;
        --dq_size_;
    }
    double held = dq_val_[dq_head_];

    released_ = std::min(held, released_ + (1.0 - released_) * release_coef_);
    if (held == 1.0 && released_ > 1.0 - 1e-6) released_ = 1.0;  // reach 1 in finite time
    ones_run_ = released_ == 1.0 ? ones_run_ + 1 : 0;
    double& slot = box_[k % lookahead_];
    box_sum_ += released_ - slot;
    slot = released_;

    if (k + 1 < lookahead_) return;  // frame k-L+1 does not exist yet
    // The mean, never above the smallest gain it must respect (guards rounding in the sum).
    float g = static_cast<float>(std::min(box_sum_ / static_cast<double>(lookahead_), 1.0));
    const std::size_t m = out_count_++;
    if (g < 1.0f) {
        ++limited_frames_;
        min_gain_ = std::min(min_gain_, g);
    }
    const float* src = &ring_buf_[(m & ring_mask_) * ch];
    for (std::size_t c = 0; c < ch; ++c) out.push_back(src[c] * g);
}

void TruePeakLimiter::process(const float* in, std::size_t nframes, std::vector<float>& out) {
    const std::size_t ch = static_cast<std::size_t>(channels_);
    for (std::size_t i = 0; i < nframes; ++i) {
        push(in + i * ch);
        if (in_count_ >= static_cast<std::size_t>(kHalf) + 1) advance_gain(out);
    }
}

void TruePeakLimiter::flush(std::vector<float>& out) {
    const std::size_t total = in_count_;
    const float zero[2] = {0.0f, 0.0f};
    while (out_count_ < total) {
        push(zero);
        if (in_count_ >= static_cast<std::size_t>(kHalf) + 1) advance_gain(out);
    }
}

double TruePeakLimiter::max_reduction_db() const {
    return -20.0 * std::log10(static_cast<double>(min_gain_));
}

}  // namespace sb::storysync
