#!/usr/bin/env bash
# Publishing benchmark: storysync publish over a library of 1,000 stories.
#   tests/bench/bench_publish.sh [BUILD_DIR]
# Needs ffmpeg (for the artwork) and /usr/bin/time. Takes a few minutes.
#
#  1. The first publish of 1,000 stories (800 public, 200 with secret pages). They share one
#     5-second recording, so this is one MP3 encode and 999 cache hits that each write a tagged
#     copy: it measures everything but encoding.
#  2. Publishing again with nothing new ("warm cache: feed + site only"). Target: <= 2 s.
#  3. Publishing again after one title changed (one re-tag, the feed, the index, one page).
#  4. publish --check over the 1,000-story folder (decodes and measures all 800 MP3s).
# Peak RSS of each run from /usr/bin/time -v.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
sync="$build/host-tools/storysync/storysync"
make_library="$build/tests/publish/make_library"
for b in "$sync" "$make_library"; do [[ -x "$b" ]] || { echo "bench: build first ($b missing)" >&2; exit 1; }; done
[[ -x /usr/bin/time ]] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "bench: needs ffmpeg (apt-get install ffmpeg)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
n="${STORIES:-1000}"
echo "making a library of $n stories..." >&2
"$make_library" "$work/lib" "$n" 5 nomaster > "$work/stories.json"
ffmpeg -loglevel error -f lavfi -i color=c=0x23395d:s=1400x1400 -frames:v 1 "$work/art.png"
cat > "$work/storysync.conf" <<CONF
library = $work/lib
base-url = https://library.example.org/stories/
podcast-title = Benchmark stories
podcast-email = stories@library.example.org
podcast-artwork = $work/art.png
CONF

# run NAME ARGS...: prints NAME, wall seconds and peak RSS of one storysync run.
run() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$work/time.txt" "$sync" --config "$work/storysync.conf" "$@" > "$work/out.txt" 2>&1 || {
    cat "$work/out.txt" >&2; exit 1; }
  t1=$(date +%s.%N)
  local rss
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$work/time.txt")
  printf '%-44s %8.2f s   peak RSS %6.1f MB\n' "$name" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo "storysync publish, $n stories ($(nproc) cores)"
run "first publish (1 encode, $((n - 1)) cached)" publish --out "$work/site"
run "publish again, nothing new (target <= 2 s)" publish --out "$work/site"
grep -o '[0-9]* files written' "$work/out.txt" | sed 's/^/    /'
sqlite3 "$work/lib/library.db" "UPDATE stories SET story_json = json_set(story_json, '$.title', 'A new title', '$.updated_at', '2027-01-01T00:00:00Z') WHERE code = 'MAIN-0001'" 2>/dev/null \
  && run "publish again, one title changed" publish --out "$work/site"
run "publish --check" publish --check "$work/site"
du -sh "$work/site" | awk '{print "    published folder: " $1}'
