#!/usr/bin/env bash
# Podcast MP3 benchmark: the episode-audio library (two passes over the decoded Opus, limiter,
# libsndfile/LAME) against ffmpeg's two-pass loudnorm + libmp3lame on the same 10-minute speech
# Opus, one core each. Prints CPU seconds, times real time, peak RSS and the loudness of both MP3s.
#   tests/bench/bench_mp3.sh [BUILD_DIR]        (default: ./build)
# Target: >= 40x real time on one core, for stereo (128 kbit/s) and mono (96 kbit/s).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
bin="$build/tests/episode_audio/episode_audio_bench"
[[ -x "$bin" ]] || { echo "bench: build first (ninja -C $build episode_audio_bench)" >&2; exit 1; }
for tool in opusenc ffmpeg sox taskset /usr/bin/time; do command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }; done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
seconds="${STORYBOOTH_BENCH_SECONDS:-600}"
rounds="${STORYBOOTH_BENCH_ROUNDS:-2}"

echo "Making $seconds s of 48 kHz speech (stereo and mono listening copies, as the booth writes them)..."
"$root/firmware/scripts/make-conversation.sh" "$work/speech.wav" "$seconds"
sox "$work/speech.wav" "$work/mono.wav" remix 1,2
opusenc --quiet --bitrate 64 --comp 10 --cvbr "$work/speech.wav" "$work/stereo.opus"
opusenc --quiet --bitrate 48 --comp 10 --cvbr "$work/mono.wav" "$work/mono.opus"
dur=$(soxi -D "$work/speech.wav")
cat "$work/stereo.opus" "$work/mono.opus" > /dev/null

measure() {  # measure NAME CMD... -> "cpu_seconds peak_rss_kb" (user+sys, best of rounds; RSS of that run)
  local name="$1"; shift
  local best=1e9 rss=0
  for ((i = 1; i <= rounds; i++)); do
    /usr/bin/time -f "%U %S %M" -o "$work/$name.time" taskset -c 0 "$@" > "$work/$name.out" 2> "$work/$name.err" ||
      { echo "bench: $name failed:" >&2; cat "$work/$name.err" >&2; exit 1; }
    read -r c r < <(awk '{printf "%.3f %d\n", $1 + $2, $3}' "$work/$name.time")
    if awk -v a="$c" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$c; rss=$r; fi
  done
  echo "$best $rss"
}
r128() {  # r128 FILE -> "I TP" by ffmpeg's ebur128 filter
  ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/Summary:/ {s=1} s && /I:/ {i=$2} s && /Peak:/ {p=$2} END {print i, p}'
}
# ffmpeg's reference: loudnorm's first pass measures, the second applies (linear mode when it
# can), then libmp3lame at the same constant bit rate.
ffmpeg_ref() {  # ffmpeg_ref IN OUT KBPS
  local in="$1" out="$2" kbps="$3" m
  m=$(ffmpeg -hide_banner -nostats -threads 1 -i "$in" -af loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json -f null - 2>&1 |
      python3 -c 'import json,sys; t=sys.stdin.read(); j=json.loads(t[t.rindex("{"):t.rindex("}")+1]); print(j["input_i"], j["input_tp"], j["input_lra"], j["input_thresh"], j["target_offset"])')
  read -r ii itp ilra ith off <<< "$m"
  ffmpeg -hide_banner -nostats -y -threads 1 -i "$in" -af "loudnorm=I=-16:TP=-1.5:LRA=11:measured_I=$ii:measured_TP=$itp:measured_LRA=$ilra:measured_thresh=$ith:offset=$off:linear=true,aresample=48000" \
    -c:a libmp3lame -b:a "${kbps}k" "$out"
}
export -f ffmpeg_ref

printf "\n%-40s %8s %9s %9s %8s %8s\n" "run ($(printf %.0f "$dur") s of speech, best of $rounds)" "CPU s" "x real" "peak RSS" "LUFS" "dBTP"
for kind in stereo mono; do
  kbps=$([[ $kind == stereo ]] && echo 128 || echo 96)
  read -r oc orss < <(measure "ours-$kind" "$bin" "$work/$kind.opus" "$work/$kind.mp3")
  read -r fc frss < <(measure "ffmpeg-$kind" bash -c "ffmpeg_ref '$work/$kind.opus' '$work/$kind-ref.mp3' $kbps")
  read -r oi otp < <(r128 "$work/$kind.mp3")
  read -r fi ftp < <(r128 "$work/$kind-ref.mp3")
  awk -v k="$kind" -v b="$kbps" -v d="$dur" -v oc="$oc" -v orss="$orss" -v fc="$fc" -v frss="$frss" \
      -v oi="$oi" -v otp="$otp" -v fi="$fi" -v ftp="$ftp" 'BEGIN {
    printf "%-40s %8.2f %8.1fx %6.1f MB %8s %8s\n", "episode_audio " k " " b " kbit/s", oc, d/oc, orss/1024, oi, otp;
    printf "%-40s %8.2f %8.1fx %6.1f MB %8s %8s\n", "ffmpeg loudnorm x2 + libmp3lame", fc, d/fc, frss/1024, fi, ftp;
    printf "%-40s %8.2f\n", "CPU ratio episode_audio / ffmpeg", oc/fc;
  }'
done
echo
echo "target: >= 40x real time on one core; MP3 at -16 +/- 1 LUFS, true peak <= -1 dBTP"
