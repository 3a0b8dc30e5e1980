#!/usr/bin/env bash
# BagIt benchmark: writing an archive bag against doing the same work with coreutils.
#   tests/bench/bench_bagit.sh [BUILD_DIR]
# Needs /usr/bin/time. Writes ~2 GB into a library, then ~2 GB of bag and ~2 GB of copies, in a
# temporary folder on the same file system as TMPDIR; removes all of it at the end.
#
#  1. write_bag over 8 stories (200 MB master + 50 MB listening copy each, 2.0 GB) against
#     `sha256sum FILES; sha512sum FILES; cp FILES DEST` of the same files, one after the other,
#     with the page cache warm for both. write_bag reads each file once, hashes SHA-256 and
#     SHA-512 on two threads while it writes the copy, and fsyncs every file (coreutils does not).
#     Target: write_bag >= 0.8x the coreutils throughput.
#  2. Peak RSS of the bag writer (/usr/bin/time -v); it uses a fixed ring of 8 x 1 MB blocks.
#  3. verify_bag over the bag, against `sha256sum -c` + `sha512sum -c` of its manifests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
bench="$build/tests/bagit/bench_bagit"
[[ -x "$bench" ]] || { echo "bench: build first ($bench missing; ninja bench_bagit)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

stories=${BAGIT_BENCH_STORIES:-8}
opus=${BAGIT_BENCH_OPUS:-50000000}
master=${BAGIT_BENCH_MASTER:-200000000}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b-a}'; }
mbps() { awk -v n="$1" -v s="$2" 'BEGIN{printf "%.0f", n/1e6/s}'; }

echo "Making the library: $stories stories of $(( (opus + master) / 1000000 )) MB..."
"$bench" fill "$work/lib" "$stories" "$opus" "$master"
mapfile -t files < <(find "$work/lib/stories" -type f | sort)
total=$(cat "${files[@]}" | wc -c)   # also warms the page cache
echo "  ${#files[@]} files, $total bytes"

echo "coreutils: sha256sum, sha512sum, cp (one after the other)..."
mkdir "$work/copy"
sync
t0=$(now)
sha256sum "${files[@]}" >"$work/sums256"
sha512sum "${files[@]}" >"$work/sums512"
i=0
for f in "${files[@]}"; do cp "$f" "$work/copy/$i"; i=$((i + 1)); done
t1=$(now)
base=$(secs "$t0" "$t1")
rm -rf "$work/copy"
sync

echo "write_bag..."
cat "${files[@]}" >/dev/null
/usr/bin/time -v -o "$work/time.txt" "$bench" bag "$work/lib" "$work/bag" >"$work/bag.txt"
bag=$(awk '{print $1}' "$work/bag.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")

echo "verify_bag, and sha256sum -c + sha512sum -c of the same bag..."
mapfile -t bagged < <(find "$work/bag" -type f)
cat "${bagged[@]}" >/dev/null   # the bag writer dropped its copies from the cache; warm them again
verify=$("$bench" verify "$work/bag")
cat "${bagged[@]}" >/dev/null
t0=$(now)
(cd "$work/bag" && sha256sum --quiet -c manifest-sha256.txt && sha512sum --quiet -c manifest-sha512.txt)
t1=$(now)
check=$(secs "$t0" "$t1")

echo
printf '%-44s %8s s %6s MB/s\n' "sha256sum + sha512sum + cp" "$base" "$(mbps "$total" "$base")"
printf '%-44s %8s s %6s MB/s\n' "write_bag (copy, SHA-256 + SHA-512, fsync)" "$bag" "$(mbps "$total" "$bag")"
printf '%-44s %8s x   (target >= 0.8)\n' "ratio (coreutils time / write_bag time)" "$(awk -v a="$base" -v b="$bag" 'BEGIN{printf "%.2f", a/b}')"
printf '%-44s %8s MB\n' "write_bag peak RSS" "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-44s %8s s %6s MB/s\n' "sha256sum -c + sha512sum -c" "$check" "$(mbps "$total" "$check")"
printf '%-44s %8s s %6s MB/s\n' "verify_bag" "$verify" "$(mbps "$total" "$verify")"
