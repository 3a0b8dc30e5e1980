#!/usr/bin/env bash
# Builds the fuzz targets with clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer,
# then runs each for FUZZ_SECONDS on a copy of its committed seed corpus. Fails when any target
# finds a crash, a leak, undefined behaviour, a broken invariant or a timeout; the input that did
# it is kept (its path is printed) to be committed under tests/fuzz/regressions/<target>/.
#
#   tests/fuzz/run.sh                         # every target, 30 s each (what CI runs)
#   FUZZ_SECONDS=3600 FUZZ_TARGETS=api tests/fuzz/run.sh   # a long run of one target
#
# Environment:
#   FUZZ_SECONDS      seconds per target (default 30)
#   FUZZ_TARGETS      targets to run (default: ogg api changes config bagit)
#   FUZZ_BUILD_DIR    the clang build folder (default: build-fuzz beside the repository's build/);
#                     a tree tests/sanitize.sh made with clang (ASan, UBSan, STORYBOOTH_FUZZ) is used as is
#   FUZZ_WORK_DIR     where corpora copies, logs and crash inputs go (default: $FUZZ_BUILD_DIR/fuzz-runs)
#   FUZZ_JOBS         ninja jobs (default: nproc)
#   FUZZ_KEEP_CORPUS  1: run on (and grow) the committed corpus itself instead of a copy
#   FUZZ_ARGS         extra libFuzzer flags, e.g. "-jobs=4 -workers=4"
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"ogg api changes config bagit"}
jobs=${FUZZ_JOBS:-$(nproc)}
work=${FUZZ_WORK_DIR:-$build/fuzz-runs}

# Largest input per target: big enough for several Ogg pages, a bag of a few files, a change
# page of a few stories; small inputs keep the runs fast.
max_len() {
  case "$1" in
    ogg) echo 16384 ;; api) echo 4096 ;; changes) echo 16384 ;; config) echo 4096 ;; bagit) echo 8192 ;; *) echo 4096 ;;
  esac
}

for tool in clang clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool is missing (Debian: apt-get install clang cmake ninja-build)" >&2; exit 2; }
done

start=$(date +%s)
fuzzers=()
for t in $targets; do fuzzers+=("fuzz_$t"); done
# A tree that tests/sanitize.sh configured with clang (STORYBOOTH_FUZZ=ON with ASan and UBSan) is
# used as it is: tests/run.sh builds once for the suite and the fuzzers.
if grep -qs '^STORYBOOTH_FUZZ:BOOL=ON' "$build/CMakeCache.txt" && grep -qs '^STORYBOOTH_ASAN:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "fuzz: using the sanitized tree $build"
else
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # The same options as tests/sanitize.sh's tree: ASan, UBSan and libFuzzer's coverage everywhere.
  cmake -S "$repo" -B "$build" -G Ninja "${launcher[@]}" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DSTORYBOOTH_ASAN=ON -DSTORYBOOTH_UBSAN=ON -DSTORYBOOTH_FUZZ=ON -DSTORYBOOTH_TESTS=ON >/dev/null
fi
ninja -C "$build" -j "$jobs" "${fuzzers[@]}"
built=$(date +%s)
echo "fuzz: built in $((built - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for t in $targets; do
  out=$work/$t
  rm -rf "$out"
  mkdir -p "$out/corpus" "$out/artifacts"
  corpus=$out/corpus
  if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then corpus=$here/corpus/$t; else cp -r "$here/corpus/$t/." "$corpus/"; fi
  args=(-max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=2560
        -print_final_stats=1 -artifact_prefix="$out/artifacts/")
  [ -f "$here/dict/$t.dict" ] && args+=(-dict="$here/dict/$t.dict")
  # shellcheck disable=SC2206
  args+=(${FUZZ_ARGS:-})
  echo "fuzz: $t for ${seconds} s"
  rc=0
  (cd "$out" && "$build/tests/fuzz/fuzz_$t" "${args[@]}" "$corpus" >"$out/log" 2>&1) || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  cov0=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$out/log" | head -1)
  cov1=$(grep -o 'cov: [0-9]*' "$out/log" | tail -1 | awk '{print $2}')
  newcov=$(( ${cov1:-0} - ${cov0:-0} ))
  result=ok
  if [ "$rc" -ne 0 ]; then
    result=FAILED
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); the last lines of $out/log:" >&2
    tail -40 "$out/log" >&2
    for a in "$out"/artifacts/*; do
      [ -e "$a" ] && echo "fuzz: input kept at $a (replay: $build/tests/fuzz/fuzz_$t $a; commit it as tests/fuzz/regressions/$t/<name>)" >&2
    done
  fi
  summary+=("$(printf '%-8s %12s %8s %8s %10s %s' "$t" "${execs:-?}" "${speed:-?}" "$size" "+$newcov (${cov0:-?}->${cov1:-?})" "$result")")
done
end=$(date +%s)

printf '\n%-8s %12s %8s %8s %10s %s\n' target executions exec/s corpus "new cov" result
for line in "${summary[@]}"; do echo "$line"; done
echo "fuzz: build $((built - start)) s, runs $((end - built)) s, total $((end - start)) s; logs in $work"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
