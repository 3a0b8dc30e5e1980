#!/usr/bin/env bash
# Counts the instructions storybooth executes per second of recorded audio, and per second of an
# idle daemon, with valgrind's callgrind on the build of this machine; docs/performance-pi.md
# turns the counts into CPU headroom on a Raspberry Pi.
#
#   tests/arm64/measure-instructions.sh [BUILD_DIR] [SECONDS]
#     BUILD_DIR  a native (amd64) build with firmware/app/storybooth (default ./build)
#     SECONDS    length of the recording measured (default 60)
#
# What is measured (callgrind's Ir: instructions executed in user space, every thread):
#   record     `storybooth record --input speech.wav` (48 kHz stereo speech, the capture path
#              fed from a file: meters, mixer, Opus 64 kb/s, FLAC master, loudness), for SECONDS
#              and for 5 s; the difference divided by SECONDS-5 is the cost of one second of
#              audio without the start-up (catalog, encoder set-up) both runs share.
#   nomaster   the same with --master none (Opus only).
#   idle       `storybooth run` with nobody at the booth, for 30 s of wall time after it is
#              ready; Ir per second. (callgrind runs the program ~50 times slower, so timers
#              fire as often as without it but every other cost is stretched: this is an upper
#              bound of the idle cost.)
# Why not the arm64 build itself: valgrind cannot run under qemu-user, this qemu-user-static
# has no TCG plugins (-plugin) to count guest instructions, and perf has no hardware counters
# in a virtual machine. The count of an x86-64 build stands in for the arm64 one; see the
# caveats in docs/performance-pi.md.
# Needs valgrind, sox, espeak-ng (firmware/scripts/make-conversation.sh) and curl.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
seconds="${2:-60}"
bin="$build/firmware/app/storybooth"
[[ -x "$bin" ]] || { echo "measure-instructions.sh: build first (no $bin)" >&2; exit 1; }
((seconds > 5)) || { echo "measure-instructions.sh: SECONDS must be more than 5" >&2; exit 2; }
for tool in valgrind sox espeak-ng curl; do
  command -v "$tool" >/dev/null || { echo "measure-instructions.sh: needs $tool" >&2; exit 1; }
done
work="$(mktemp -d)"
daemon=""
trap '[[ -n "$daemon" ]] && kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT

"$root/firmware/scripts/make-conversation.sh" "$work/long.wav" "$seconds" >/dev/null
sox "$work/long.wav" "$work/speech.wav" trim 0 "$seconds"
sox "$work/long.wav" "$work/short.wav" trim 0 5

# ir NAME CMD...: callgrind's total instruction count of CMD (all threads).
ir() {
  local name="$1"; shift
  valgrind --tool=callgrind --callgrind-out-file="$work/$name.cg" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
    echo "measure-instructions.sh: $name failed:" >&2; tail -20 "$work/$name.err" >&2; exit 1; }
  awk '/^summary:|^totals:/ {print $2; exit}' "$work/$name.cg"
}

per_second() {  # per_second MASTER -> instructions per second of audio
  local master="$1" long short
  rm -rf "$work/d"
  long=$(ir "rec-$master-long" "$bin" record --data "$work/d" --input "$work/speech.wav" --master "$master" --json)
  rm -rf "$work/d"
  short=$(ir "rec-$master-short" "$bin" record --data "$work/d" --input "$work/short.wav" --master "$master" --json)
  echo "$long $short" | awk -v s="$seconds" '{printf "%.0f\n", ($1 - $2) / (s - 5)}'
}

echo "storybooth: $bin ($("$bin" --version 2>&1 | head -1)), $(uname -m)"
with_master=$(per_second flac)
without_master=$(per_second none)
mega() { awk -v n="$1" 'BEGIN {printf "%.2f", n / 1e6}'; }
echo "record, Opus + FLAC master: $with_master instructions per second of audio ($(mega "$with_master") M)"
echo "record, Opus only:          $without_master instructions per second of audio ($(mega "$without_master") M)"

# The idle daemon: its own data folder and a free port; the simulated microphone is the speech
# file, as on a booth with a microphone plugged in.
port=$(( 20000 + RANDOM % 20000 ))
cat >"$work/booth.conf" <<EOF
data = $work/booth
listen = 127.0.0.1:$port
input = $work/speech.wav
EOF
valgrind --tool=callgrind --callgrind-out-file="$work/idle.cg" "$bin" run --config "$work/booth.conf" \
  >"$work/idle.out" 2>"$work/idle.err" &
daemon=$!
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/" || { echo "measure-instructions.sh: the daemon did not start" >&2; tail "$work/idle.err" >&2; exit 1; }
# Ready: zero the counters, wait, dump (callgrind_control talks to the running program).
callgrind_control --zero "$daemon" >/dev/null
sleep 30
callgrind_control --dump=idle "$daemon" >/dev/null
kill -TERM "$daemon"; wait "$daemon" 2>/dev/null || true
daemon=""
idle_total=$(cat "$work"/idle.cg.* 2>/dev/null | awk '/^summary:|^totals:/ {print $2; exit}')
[[ -n "$idle_total" ]] || idle_total=$(awk '/^summary:|^totals:/ {print $2; exit}' "$work/idle.cg")
idle=$(( idle_total / 30 ))
echo "daemon, idle:               $idle instructions per second of wall time ($(mega "$idle") M)"
