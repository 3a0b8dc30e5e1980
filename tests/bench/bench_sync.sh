#!/usr/bin/env bash
# Sync benchmark: storysync against rsync, on loopback, over the same booth files.
#   tests/bench/bench_sync.sh [BUILD_DIR]
# Needs rsync and /usr/bin/time. Takes a few minutes (it writes ~2 GB and 10,000 small stories).
#
#  1. First full pull of ~2 GB (20 stories of 20 MB + 80 MB): storysync (SHA-256 verified while
#     receiving, fsync and rename of every file) against `rsync -a` from an rsync daemon on
#     127.0.0.1 serving the same stories folder. Target: storysync >= 0.9x rsync's throughput.
#  2. Peak RSS of storysync during that pull (/usr/bin/time -v). Target: <= 64 MB.
#  3. A pull with nothing new from a 10,000-story booth, against rsync's no-change run over the
#     same 20,000 files. Target: <= 0.3 s and >= 10x faster than rsync.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
booth="$build/firmware/app/storybooth"
sync="$build/host-tools/storysync/storysync"
fill="$build/tests/bench/bench_fill_sync"
for b in "$booth" "$sync" "$fill"; do [[ -x "$b" ]] || { echo "bench: build first ($b missing)" >&2; exit 1; }; done
command -v rsync >/dev/null || { echo "bench: needs rsync (apt-get install rsync)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
base=$((20000 + RANDOM % 20000))
port_a=$base; port_b=$((base + 1)); port_r=$((base + 2))

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b-a}'; }

echo "Making the booths' data: 20 stories of 100 MB (2.0 GB), and 10,000 small stories..."
"$fill" "$work/a" 20 20000000 80000000 >/dev/null
"$fill" "$work/b" 10000 2000 4000 >/dev/null
total_a=$(du -sb "$work/a/stories" | awk '{print $1}')

sox -n -r 48000 -c 2 -b 16 "$work/mic.wav" trim 0 1
start_booth() {  # DATA PORT
  echo 2468 | "$booth" admin set-pin --data "$1" >/dev/null
  "$booth" run --data "$1" --listen "127.0.0.1:$2" --input "$work/mic.wav" 2>"$1.log" &
  pids+=($!)
  for _ in $(seq 1 500); do curl -sf "http://127.0.0.1:$2/api/v1/health" >/dev/null 2>&1 && return 0; sleep 0.01; done
  echo "bench: booth on port $2 did not start" >&2; cat "$1.log" >&2; exit 1
}
pairing_code() {  # PORT
  local api="http://127.0.0.1:$1/api/v1" login cookie csrf
  login=$(curl -si -X POST -H 'Content-Type: application/json' -d '{"pin":"2468"}' "$api/admin/login")
  cookie=$(printf '%s' "$login" | awk -F'[ ;]' 'tolower($1)=="set-cookie:" {print $2}')
  csrf=$(printf '%s' "$login" | tail -1 | sed 's/.*"csrf":"\([^"]*\)".*/\1/')
  curl -sf -X POST -H 'Content-Type: application/json' -d '{}' -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" \
    "$api/admin/pairing" | sed 's/.*"code":"\([^"]*\)".*/\1/'
}
start_booth "$work/a" "$port_a"
start_booth "$work/b" "$port_b"

cat > "$work/rsyncd.conf" <<CONF
use chroot = no
[booth_a]
  path = $work/a/stories
  read only = yes
[booth_b]
  path = $work/b/stories
  read only = yes
CONF
rsync --daemon --no-detach --config="$work/rsyncd.conf" --port="$port_r" --address=127.0.0.1 &
pids+=($!)
sleep 0.5

# Each laptop library with its own config folder.
ss() {  # NAME args...
  local n="$1"; shift
  XDG_DATA_HOME="$work/laptop-$n/data" XDG_CONFIG_HOME="$work/laptop-$n/config" "$sync" "$@"
}
ss a pair "127.0.0.1:$port_a" "$(pairing_code "$port_a")" >/dev/null
ss b pair "127.0.0.1:$port_b" "$(pairing_code "$port_b")" >/dev/null

echo
echo "1. First full pull of $(awk -v b="$total_a" 'BEGIN{printf "%.2f", b/1e9}') GB"
# Three rounds each, alternating, fresh destination every time; the best of each counts.
rsync_full=999; rsync_sync=999; ss_full=999; rss_kb=0
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (b<a)?b:a}'; }
for round in 1 2 3; do
  rm -rf "$work/rsync-a"; sync; sleep 1
  t0=$(now); rsync -a "rsync://127.0.0.1:$port_r/booth_a/" "$work/rsync-a/"; t1=$(now); sync; t2=$(now)
  rsync_full=$(min "$rsync_full" "$(secs "$t0" "$t1")")
  rsync_sync=$(min "$rsync_sync" "$(secs "$t0" "$t2")")
  rm -rf "$work/laptop-a/data/storysync/stories" "$work/laptop-a/data/storysync/.partial"
  if [[ $round -gt 1 ]]; then  # an empty library again, still paired
    rm -f "$work/laptop-a/data/storysync/library.db"*
    ss a pair "127.0.0.1:$port_a" "$(pairing_code "$port_a")" >/dev/null
  fi
  sync; sleep 1
  t0=$(now)
  XDG_DATA_HOME="$work/laptop-a/data" XDG_CONFIG_HOME="$work/laptop-a/config" \
    /usr/bin/time -v -o "$work/time-a.txt" "$sync" pull > "$work/pull-a.txt"
  t1=$(now)
  grep -q "20 new" "$work/pull-a.txt" || { echo "bench: the pull did not get 20 stories" >&2; cat "$work/pull-a.txt" >&2; exit 1; }
  ss_full=$(min "$ss_full" "$(secs "$t0" "$t1")")
  r=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$work/time-a.txt")
  rss_kb=$(( r > rss_kb ? r : rss_kb ))
done
ss a verify > "$work/verify-a.txt" || { echo "bench: verify failed" >&2; cat "$work/verify-a.txt" >&2; exit 1; }
mb() { awk -v b="$total_a" -v s="$1" 'BEGIN{printf "%.0f", b/1e6/s}'; }
echo "   rsync -a (best of 3; its data still in the page cache):  $rsync_full s  ($(mb "$rsync_full") MB/s)"
echo "   rsync -a, then sync (the same bytes on the disk):         $rsync_sync s  ($(mb "$rsync_sync") MB/s)"
echo "   storysync pull (best of 3; SHA-256, fsync, rename, catalog): $ss_full s  ($(mb "$ss_full") MB/s)"
echo "   throughput ratio storysync/rsync: $(awk -v a="$rsync_full" -v b="$ss_full" 'BEGIN{printf "%.2f", a/b}')x   (target >= 0.9x)"
echo "   against rsync + sync:             $(awk -v a="$rsync_sync" -v b="$ss_full" 'BEGIN{printf "%.2f", a/b}')x"
echo "2. Peak RSS of storysync during those pulls: $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}') MB   (target <= 64 MB)"

echo "3. Nothing new on a 10,000-story booth"
t0=$(now); ss b pull > "$work/pull-b.txt"; t1=$(now)
echo "   (first pull of the 10,000 stories, 20,000 files, each fsynced: $(secs "$t0" "$t1") s)"
rsync -a "rsync://127.0.0.1:$port_r/booth_b/" "$work/rsync-b/"
best_ss=999; best_rs=999
for _ in 1 2 3 4 5; do
  t0=$(now); ss b pull > "$work/pull-b2.txt"; t1=$(now)
  grep -q "nothing new" "$work/pull-b2.txt" || { echo "bench: expected nothing new" >&2; cat "$work/pull-b2.txt" >&2; exit 1; }
  best_ss=$(awk -v a="$best_ss" -v b="$(secs "$t0" "$t1")" 'BEGIN{print (b<a)?b:a}')
  t0=$(now); rsync -a "rsync://127.0.0.1:$port_r/booth_b/" "$work/rsync-b/"; t1=$(now)
  best_rs=$(awk -v a="$best_rs" -v b="$(secs "$t0" "$t1")" 'BEGIN{print (b<a)?b:a}')
done
echo "   storysync pull, nothing new (best of 5): $best_ss s   (target <= 0.3 s)"
echo "   rsync -a, no change (best of 5):         $best_rs s"
echo "   storysync is $(awk -v a="$best_rs" -v b="$best_ss" 'BEGIN{printf "%.0f", a/b}')x faster   (target >= 10x)"
