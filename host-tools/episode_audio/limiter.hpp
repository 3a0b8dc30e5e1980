#pragma once
// The podcast episode's gain stage: a fixed gain followed by a look-ahead true-peak limiter.
// It holds every sample, and every point between samples as seen by a 4x oversampling
// interpolator, at or below a ceiling, with a gain that moves smoothly (a linear ramp over the
// look-ahead going down, an exponential release coming back up), so peaks are turned down
// before they arrive instead of being clipped. Streaming: memory is a few milliseconds of
// audio whatever the length of the recording.
#include <cstddef>
#include <vector>

namespace sb::storysync {

// The 4x oversampling interpolator the limiter and the meter share: a windowed sinc (Hann) with
// 16 taps for each of the three points between two samples, unit gain at DC.
struct TruePeakInterpolator {
    static constexpr int kPhases = 4;
    static constexpr int kHalf = 8;              // taps on each side of the interval
    static constexpr int kTaps = 2 * kHalf;
    float coeffs[kPhases - 1][kTaps];            // phases 1..3 (phase 0 is the sample itself)
    float bound;                                 // most any phase can amplify: max of sum |h|
    static const TruePeakInterpolator& get();
};

// True peak of a stream (sample peaks and the interpolated points between samples). Cheap on
// long recordings: a stretch whose largest sample, times the interpolator's largest gain,
// cannot beat the peak found so far is skipped (exact, not an estimate).
class TruePeakMeter {
public:
    explicit TruePeakMeter(int channels);
    void add(const float* interleaved, std::size_t nframes);
    // Linear peak over all channels (0 for digital silence).
    double peak() const { return peak_; }

private:
    int channels_;
    std::vector<float> line_[2];                 // per channel: the last kTaps-1 samples, then the block
    float peak_ = 0.0f;
};

class TruePeakLimiter {
public:
    struct Options {
        double gain_db = 0.0;          // applied before limiting
        double ceiling_dbtp = -2.0;    // nothing above this, samples or between samples
        double lookahead_ms = 5.0;     // gain ramps down over this long before a peak
        double release_ms = 100.0;     // time constant of the gain coming back up
    };

    // channels: 1 or 2 (interleaved). sample_rate: any rate.
    TruePeakLimiter(int channels, int sample_rate, const Options& options);

    // Takes `nframes` interleaved frames and appends to `out` the frames that are ready: the
    // output runs latency() frames behind the input.
    void process(const float* in, std::size_t nframes, std::vector<float>& out);
    // At the end of the input: appends the frames still held, so out has as many frames as in.
    void flush(std::vector<float>& out);

    std::size_t latency() const { return latency_; }
    // Deepest gain reduction applied so far, in dB (0 when the limiter never acted).
    double max_reduction_db() const;
    // Frames in which the limiter reduced the gain.
    std::size_t limited_frames() const { return limited_frames_; }

private:
    static constexpr int kPhases = TruePeakInterpolator::kPhases;
    static constexpr int kHalf = TruePeakInterpolator::kHalf;
    static constexpr int kTaps = TruePeakInterpolator::kTaps;

    void push(const float* frame);
    float segment_peak(std::size_t k) const;     // peak over [k, k+1], interpolated

    int channels_;
    std::size_t lookahead_;                      // L frames
    std::size_t latency_;
    float gain_;
    float ceiling_;
    float hot_;                                  // samples above this may interpolate above the ceiling
    double release_coef_;

    const TruePeakInterpolator& interp_;

    // Gained input, a ring of `ring_` frames (a power of two) indexed by absolute frame number.
    std::vector<float> ring_buf_;
    std::size_t ring_mask_;
    std::size_t in_count_ = 0;                   // frames pushed
    std::size_t last_hot_ = 0;                   // 1 + index of the last sample above hot_ (0: none)
    float prev_seg_peak_ = 0.0f;

    // Required gains t[k], kept for the sliding minimum over L (monotonic deque in a ring).
    std::vector<std::size_t> dq_idx_;
    std::vector<float> dq_val_;
    std::size_t dq_head_ = 0, dq_size_ = 0;
    // Released gain R[k] over the last L frames, for the box average.
    std::vector<double> box_;
    double box_sum_ = 0.0;
    double released_ = 1.0;
    std::size_t gains_done_ = 0;                 // t[k] computed for k < gains_done_
    std::size_t out_count_ = 0;                  // frames emitted
    float min_gain_ = 1.0f;
    std::size_t limited_frames_ = 0;
    std::size_t ones_run_ = 0;                   // consecutive frames whose released gain was 1

    void advance_gain(std::vector<float>& out);  // computes t for the next frame, emits one frame
};

}  // namespace sb::storysync
