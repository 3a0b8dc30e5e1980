#!/usr/bin/env bash
# Daemon benchmark: start-up to healthy with a 10,000-story catalog; peak RSS while recording;
# p99 latency of 50 concurrent librarian clients (search + dashboard) during a recording, and the
# recording's audio overflows (target 0).
#   tests/bench/bench_daemon.sh [BUILD_DIR]
# Targets: start <= 1 s; RSS <= 32 MB; 0 overflows.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
bin="$build/firmware/app/storybooth"
fill="$build/tests/bench/bench_fill_catalog"
[[ -x "$bin" && -x "$fill" ]] || { echo "bench: build first (firmware/scripts/setup.sh --tests)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -qq wrk >/dev/null; }
work="$(mktemp -d)"; pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=18089
api="http://127.0.0.1:$port/api/v1"

echo "Filling a catalog with 10,000 stories (takes a while: every story is a durable commit)..."
"$fill" "$work/data" 10000 >/dev/null
echo 2468 | "$bin" admin set-pin --data "$work/data" >/dev/null
"$root/firmware/scripts/make-conversation.sh" "$work/mic.wav" 60

start_daemon() {
  "$bin" run --data "$work/data" --listen "127.0.0.1:$port" --input "$work/mic.wav" 2> "$work/daemon.log" &
  pid=$!
}
wait_healthy() {
  for _ in $(seq 1 1000); do
    curl -sf "$api/health" >/dev/null 2>&1 && return 0
    sleep 0.005
  done
  return 1
}

best=999
for round in 1 2 3; do
  t0=$(date +%s.%N)
  start_daemon
  wait_healthy || { echo "daemon did not become healthy" >&2; cat "$work/daemon.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  echo "start to healthy, round $round: $s s"
  best=$(awk -v a="$best" -v b="$s" 'BEGIN{print (b<a)?b:a}')
  if [[ $round -lt 3 ]]; then kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; fi
done

# A recording in progress...
curl -sf -X POST -H 'Content-Type: application/json' -d '{"language":"en"}' "$api/session" >/dev/null
curl -sf -X PUT -H 'Content-Type: application/json' -d '[{"name":"Rosa","role":"storyteller","channel":1},{"name":"Leo","role":"interviewer","channel":2}]' "$api/session/participants" >/dev/null
curl -sf -X PUT -H 'Content-Type: application/json' -d '[{"participant":0,"choice":"share","typed_name":"Rosa"},{"participant":1,"choice":"share","typed_name":"Leo"}]' "$api/session/consent" >/dev/null
curl -sf -X PUT -H 'Content-Type: application/json' -d '[{"text":"Where did you grow up?"}]' "$api/session/questions" >/dev/null
curl -sf -X POST -d "" "$api/session/mic-check" >/dev/null
curl -sf -X POST -d "" "$api/session/record" >/dev/null

# ...while 50 librarian clients hammer search and the dashboard.
cookie=$(curl -si -X POST -H 'Content-Type: application/json' -d '{"pin":"2468"}' "$api/admin/login" | awk -F'[ ;]' '/^Set-Cookie/ {print $2}')
wrk -t2 -c25 -d20s --latency -H "Cookie: $cookie" "$api/admin/stories?q=grand" > "$work/search.txt" &
w1=$!
wrk -t1 -c25 -d20s --latency -H "Cookie: $cookie" "$api/admin/dashboard" > "$work/dash.txt"
wait "$w1"
sleep 1
curl -sf -X POST -d "" "$api/session/stop" >/dev/null
curl -sf -X POST -d "" "$api/session/save" >/dev/null
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
overflows=$(grep -o 'overflows [0-9]*' "$work/daemon.log" | tail -1 | awk '{print $2}')

echo
echo "start to healthy with 10,000 stories (best of 3): $best s   (target <= 1 s)"
echo "peak RSS of the daemon, recording + 50 clients: $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}') MB   (target <= 32 MB)"
for f in search dash; do
  name=$([[ $f == search ]] && echo "search (25 clients)" || echo "dashboard (25 clients)")
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$f.txt")
  p99=$(awk '/ 99%/ {print $2}' "$work/$f.txt")
  p50=$(awk '/ 50%/ {print $2}' "$work/$f.txt")
  errs=$(grep -E "Non-2xx|Socket errors" "$work/$f.txt" | tr "\n" " " || true)
  echo "$name: $rps req/s, p50 $p50, p99 $p99 ${errs}"
done
echo "audio overflows during the load: ${overflows:-unknown}   (target 0)"
