#!/usr/bin/env bash
# Recording benchmark: storybooth against opusenc on the same 10-minute 48 kHz stereo speech.
# Prints whole-process CPU time and its ratio to opusenc (without and with the FLAC master),
# peak RSS while recording, and the largest gap between durable writes in a real-time run.
#   tests/bench/bench_record.sh [BUILD_DIR]        (default: ./build)
# Targets: CPU ratio <= 1.10 without master, <= 1.30 with; peak RSS <= 24 MB; write gap <= 0.25 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
bin="$build/firmware/app/storybooth"
[[ -x "$bin" ]] || { echo "bench: build first (no $bin)" >&2; exit 1; }
for tool in opusenc strace /usr/bin/time; do command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }; done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

echo "Making 10 minutes of 48 kHz stereo speech..."
"$root/firmware/scripts/make-conversation.sh" "$work/speech.wav" 600
soxi -D "$work/speech.wav" | awk '{printf "input: %.1f s\n", $1}'
cat "$work/speech.wav" > /dev/null   # warm the page cache for every run alike

measure() {  # measure NAME CMD... -> prints "cpu_seconds peak_rss_kb"
  local name="$1"; shift
  /usr/bin/time -f "%U %S %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" ||
    { echo "bench: $name failed:" >&2; cat "$work/$name.err" >&2; exit 1; }
  awk '{printf "%.3f %d\n", $1 + $2, $3}' "$work/$name.time"
}

# Three interleaved rounds; the least-disturbed (lowest) CPU time of each program is compared,
# since a shared machine only ever adds time.
rounds="${STORYBOOTH_BENCH_ROUNDS:-3}"
ref_cpu=1e9; nom_cpu=1e9; mas_cpu=1e9; ref_rss=0; nom_rss=0; mas_rss=0
for ((i = 1; i <= rounds; i++)); do
  rm -rf "$work/d1" "$work/d2"
  read -r c r < <(measure opusenc opusenc --quiet --bitrate 64 --comp 10 --cvbr "$work/speech.wav" "$work/ref.opus")
  ref_cpu=$(awk -v a="$ref_cpu" -v b="$c" 'BEGIN{print (b<a)?b:a}'); ref_rss=$r
  read -r c r < <(measure nomaster "$bin" record --data "$work/d1" --input "$work/speech.wav" --master none --json)
  nom_cpu=$(awk -v a="$nom_cpu" -v b="$c" 'BEGIN{print (b<a)?b:a}'); ((r > nom_rss)) && nom_rss=$r
  read -r c r < <(measure master "$bin" record --data "$work/d2" --input "$work/speech.wav" --json)
  mas_cpu=$(awk -v a="$mas_cpu" -v b="$c" 'BEGIN{print (b<a)?b:a}'); ((r > mas_rss)) && mas_rss=$r
  echo "round $i done"
done

echo "Real-time run (60 s) for the write cadence..."
"$root/firmware/scripts/make-conversation.sh" "$work/minute.wav" 60

# Instructions executed (callgrind, user space, every thread) on one minute of the same speech:
# unlike CPU seconds, the same on every run, whatever else the machine is doing.
instructions() {  # instructions CMD... -> count
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" 2>&1 >/dev/null | awk '/Collected :/ {print $4}'
}
if command -v valgrind >/dev/null; then
  echo "Counting instructions (valgrind)..."
  rm -rf "$work/d4" "$work/d5"
  ins_ref=$(instructions opusenc --quiet --bitrate 64 --comp 10 --cvbr "$work/minute.wav" "$work/ref1.opus")
  ins_nom=$(instructions "$bin" record --data "$work/d4" --input "$work/minute.wav" --master none)
  ins_mas=$(instructions "$bin" record --data "$work/d5" --input "$work/minute.wav")
fi
strace -f -ttt -e trace=fdatasync,fsync -o "$work/strace.txt" \
  "$bin" record --data "$work/d3" --input "$work/minute.wav" --realtime --seconds 60 --json > "$work/rt.json" 2> "$work/rt.err"
# Largest gap between consecutive durable writes while recording (first to last sync).
strace_gap=$(awk '/fdatasync\(/ && !/resumed/ { t=$2; if (prev) { g=t-prev; if (g>max) max=g }; prev=t } END { printf "%.3f", max }' "$work/strace.txt")
engine_gap=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.3f %.3f" % (j["max_sync_gap_ms"]/1000, j["max_exposure_ms"]/1000))' "$work/rt.json")

awk -v r="$ref_cpu" -v n="$nom_cpu" -v m="$mas_cpu" -v rr="$ref_rss" -v nr="$nom_rss" -v mr="$mas_rss" \
    -v sg="$strace_gap" -v eg="$engine_gap" 'BEGIN {
  split(eg, e, " ");
  printf "\n%-44s %10s %10s\n", "run (10 min stereo speech, best of rounds)", "CPU s", "peak RSS";
  printf "%-44s %10.2f %7.1f MB\n", "opusenc --bitrate 64 --comp 10 --cvbr", r, rr/1024;
  printf "%-44s %10.2f %7.1f MB\n", "storybooth record --master none", n, nr/1024;
  printf "%-44s %10.2f %7.1f MB\n", "storybooth record (FLAC master)", m, mr/1024;
  printf "\nCPU ratio without master: %.3f   (target <= 1.10)\n", n/r;
  printf "CPU ratio with master:    %.3f   (target <= 1.30)\n", m/r;
  printf "peak RSS while recording: %.1f MB (target <= 24 MB)\n", (nr > mr ? nr : mr)/1024;
  printf "largest gap between durable writes: %.3f s by strace, %.3f s by the engine (target <= 0.25 s)\n", sg, e[1];
  printf "most audio not yet durable at any moment: %.3f s\n", e[2];
}'
if [[ -n "${ins_ref:-}" ]]; then
  awk -v r="$ins_ref" -v n="$ins_nom" -v m="$ins_mas" 'BEGIN {
    printf "instructions, 1 min of speech: opusenc %.3f G, storybooth %.3f G (ratio %.3f), with master %.3f G (ratio %.3f)\n",
           r/1e9, n/1e9, n/r, m/1e9, m/r }'
fi
