#pragma once
// The podcast episode's audio: an MP3 enclosure made from a story's Opus listening copy,
// levelled to the podcast loudness (-16 LUFS integrated, true peak at most -1 dBTP; integrated
// loudness by libebur128, true peak by limiter.hpp's 4x oversampling meter, which the tests hold
// to libebur128's), and its ID3v2.4 tag written in front of it separately, so a title change
// re-tags the file without encoding it again.
//
// Encoding streams over the decoded Opus, never holding the recording: a first pass measures
// it; when the gain would push peaks into the limiter, a second pass (no encoding) measures the
// limiter's output at two gains to find the one that lands on the target despite the peaks it
// takes away; the last pass applies that gain and the look-ahead true-peak limiter (limiter.hpp,
// ceiling -2 dBTP) and encodes through libsndfile's MPEG writer (LAME), constant bit rate:
// 96 kbit/s mono, 128 kbit/s stereo, 48 kHz. The MP3 is then decoded and measured as a listener
// will hear it; if the encoder's overshoot left it outside the target, it is encoded again with
// the ceiling or gain corrected (at most twice more). Memory is the same for any length (about
// 7 MB resident: decoder, encoder, one 120 ms block and a few ms of limiter look-ahead).
//
// Silence and near-silence: the gain is capped at +30 dB, so a recording whose loudness is far
// under the target stays quieter than -16 LUFS rather than turning its noise floor into a roar.
// A recording with nothing above libebur128's -70 LUFS gate (integrated loudness -infinity) is
// encoded at its own level (gain 0 dB). Both still give a valid MP3.
#include <cstdint>
#include <filesystem>
#include <string>

namespace sb::storysync {

// The podcast target.
inline constexpr double kTargetLufs = -16.0;
inline constexpr double kMaxTruePeakDbtp = -1.0;
inline constexpr double kMaxGainDb = 30.0;

struct Loudness {
    double integrated_lufs = 0.0;   // -infinity when no block is above the -70 LUFS gate
    double true_peak_dbtp = 0.0;    // highest channel; -infinity for digital silence
    double duration_s = 0.0;
    int channels = 0;
    int sample_rate = 0;
};

// ID3 text. UTF-8, any length and script (emoji, right-to-left text). An empty field is left out
// of the tag. date: "YYYY", "YYYY-MM" or "YYYY-MM-DD".
struct Id3Tags {
    std::string title, artist, album, date;
};

struct EpisodeAudio {
    Loudness source;         // the Opus listening copy as decoded
    Loudness levelled;       // the MP3 as written, decoded again and measured
    double gain_db = 0.0;    // gain applied before the limiter
    std::uint64_t bytes = 0; // size of the MP3
    int bitrate_kbps = 0;    // 96 (mono) or 128 (stereo), constant
};

// Decodes the Opus listening copy `opus` (opusfile, 48 kHz, 1 or 2 channels), levels it and
// encodes an MP3 without tags to `mp3` (temporary name beside it, fsync, rename, fsync of the
// folder). Throws sb::Error naming the file when the Opus is unreadable, damaged or truncated
// (it must end with its end-of-stream page), or when the MP3 cannot be written (sb::IoError with
// the errno, e.g. disk full). On failure nothing new is left at `mp3`: the temporary file is
// removed, and a file that was already there is untouched.
EpisodeAudio encode_episode_mp3(const std::filesystem::path& opus, const std::filesystem::path& mp3);

// Writes `out`: an ID3v2.4 tag (TIT2, TPE1, TALB, TDRC, UTF-8) followed by the MP3 `untagged`
// (a tag already at the start of `untagged` is dropped, so a tagged file can be re-tagged).
// Atomic (temporary name, fsync, rename, fsync of the folder); `out` may not be `untagged`.
// Returns the size of `out`. Throws sb::Error naming the file or the field (text that is not
// UTF-8 or holds a NUL, a malformed date).
std::uint64_t write_tagged_mp3(const std::filesystem::path& untagged, const std::filesystem::path& out,
                               const Id3Tags& tags);

// The ID3v2.4 tag write_tagged_mp3 puts in front of the audio. Throws sb::Error as above.
std::string id3v2_tag(const Id3Tags& tags);

// Integrated loudness (libebur128) and true peak (TruePeakMeter) of an audio file: Ogg Opus through opusfile,
// anything else (MP3, WAV, FLAC) through libsndfile. Throws sb::Error naming the file.
Loudness measure_loudness(const std::filesystem::path& audio);

}  // namespace sb::storysync
