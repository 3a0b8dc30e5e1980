#!/usr/bin/env bash
# Runs the tests under the compilers' sanitizers.
#
#   tests/sanitize.sh                 AddressSanitizer + UndefinedBehaviorSanitizer (with LeakSanitizer):
#                                     configure, build, then the WHOLE ctest suite, browser tests included
#                                     (they start the sanitized daemon); built with clang when it is
#                                     installed, and then the tree also holds the fuzz targets
#   tests/sanitize.sh --tsan          ThreadSanitizer: the tests that run the capture threads, the ring,
#                                     the recording worker and the encoders
#   tests/sanitize.sh --no-build ...  skip configure and build (the tree must exist)
#   tests/sanitize.sh -- -R Ring      anything after -- goes to ctest (ASan) or to every test binary (TSan,
#                                     e.g. -- --gtest_filter='Ring*')
#
# Environment:
#   STORYBOOTH_BUILD_DIR       the default build (default ./build); the sanitized trees go beside it
#   STORYBOOTH_ASAN_BUILD_DIR  the ASan+UBSan tree (default build-asan beside the default build)
#   STORYBOOTH_TSAN_BUILD_DIR  the TSan tree (default build-tsan beside the default build)
#   STORYBOOTH_CMAKE_ARGS      extra configure arguments (e.g. compiler launchers)
#   SB_SANITIZE_JOBS           parallel build jobs and tests (default: nproc)
#
# The packages and npm modules the tests need come from firmware/scripts/setup.sh --tests.
#
# Every sanitizer report goes to a file in <tree>/sanitizer-logs, not only to the test's output:
# the tests start many programs (the daemon, storysync) whose exit status a test may not look at
# (a daemon stopped with SIGTERM, a child killed on purpose), and a report there must still fail
# the run. The reports are printed at the end. Exit status: 0 only if every test passed and no
# report was written.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_build="${STORYBOOTH_BUILD_DIR:-$root/build}"
beside="$(dirname "$default_build")"

mode=asan
build=1
passthrough=()
while (($#)); do
  case "$1" in
    --tsan) mode=tsan ;;
    --asan) mode=asan ;;
    --no-build) build=0 ;;
    --) shift; passthrough=("$@"); break ;;
    -h|--help) sed -n '2,27p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "sanitize: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

jobs="${SB_SANITIZE_JOBS:-$(nproc)}"
supp="$root/tests/sanitize"

if [[ "$mode" == asan ]]; then
  tree="${STORYBOOTH_ASAN_BUILD_DIR:-$beside/build-asan}"
  cmake_flags=(-DSTORYBOOTH_ASAN=ON -DSTORYBOOTH_UBSAN=ON -DSTORYBOOTH_TSAN=OFF)
  # With clang the same tree also holds the libFuzzer targets (STORYBOOTH_FUZZ adds the coverage
  # instrumentation they need; only fuzz_<name> links libFuzzer), so tests/fuzz/run.sh can run
  # them without a second sanitized build. -O1 keeps the build short and the stacks readable.
  if command -v clang++ >/dev/null; then
    cmake_flags+=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSTORYBOOTH_FUZZ=ON
                  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g")
  fi
else
  tree="${STORYBOOTH_TSAN_BUILD_DIR:-$beside/build-tsan}"
  cmake_flags=(-DSTORYBOOTH_ASAN=OFF -DSTORYBOOTH_UBSAN=OFF -DSTORYBOOTH_TSAN=ON)
fi

# TSan covers the threads that share memory without locks: the capture threads (simulated
# microphone, PortAudio), the ring between them and the recording worker, and the worker's
# encoders. These binaries run them in-process, where TSan sees both sides.
tsan_targets=(test_core test_recorder test_portaudio test_session)

start=$SECONDS
if ((build)); then
  # shellcheck disable=SC2086  # STORYBOOTH_CMAKE_ARGS is a list of arguments
  cmake -S "$root" -B "$tree" -G Ninja -DSTORYBOOTH_TESTS=ON "${cmake_flags[@]}" ${STORYBOOTH_CMAKE_ARGS:-} >/dev/null
  if [[ "$mode" == asan ]]; then
    cmake --build "$tree" -j "$jobs"
  else
    cmake --build "$tree" -j "$jobs" --target "${tsan_targets[@]}"
  fi
fi
echo "sanitize: $mode build ready in $((SECONDS - start)) s ($tree)"

logs="$tree/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"

# Shared by every sanitizer: fail at the first report, with a symbolised stack, into $logs.
common="halt_on_error=1:print_stacktrace=1:symbolize=1"
if [[ "$mode" == asan ]]; then
  # detect_stack_use_after_return is off: it multiplies the cost of every call for a class of bug
  # (returning a pointer to a local) that the warnings already catch, and the suite must stay
  # within its timeouts on a small shared machine. fast_unwind_on_malloc=0: the frame-pointer
  # unwinder stops at libraries built without frame pointers, and the ALSA plugin entry in
  # lsan.supp can only match the full stack (the cost is small for this suite).
  export ASAN_OPTIONS="$common:log_path=$logs/asan:detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0:detect_stack_use_after_return=0:check_initialization_order=1:strict_init_order=1:detect_invalid_pointer_pairs=0"
  export UBSAN_OPTIONS="$common:log_path=$logs/ubsan:report_error_type=1:suppressions=$supp/ubsan.supp"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
else
  export TSAN_OPTIONS="$common:log_path=$logs/tsan:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
fi

if [[ "$mode" == asan && ! -d "$root/tests/browser/node_modules" ]]; then
  echo "sanitize: tests/browser/node_modules is missing (run firmware/scripts/setup.sh --tests); the browser tests will fail" >&2
fi

test_start=$SECONDS
status=0
if [[ "$mode" == asan ]]; then
  (cd "$tree" && ctest --output-on-failure --no-tests=error -j "$jobs" --timeout 900 "${passthrough[@]}") || status=$?
else
  for t in "${tsan_targets[@]}"; do
    bin="$(find "$tree/tests" -type f -name "$t" -perm -u+x | head -n 1)"
    if [[ -z "$bin" ]]; then
      echo "sanitize: $t was not built in $tree" >&2
      status=1
      continue
    fi
    echo "sanitize: TSan $t"
    (cd "$(dirname "$bin")" && "$bin" --gtest_brief=1 "${passthrough[@]}") || { echo "sanitize: $t FAILED" >&2; status=1; }
  done
fi
echo "sanitize: $mode tests ran in $((SECONDS - test_start)) s"

shopt -s nullglob
reports=("$logs"/*)
if ((${#reports[@]})); then
  echo "sanitize: ${#reports[@]} sanitizer report(s):" >&2
  for f in "${reports[@]}"; do
    echo "==== $f" >&2
    cat "$f" >&2
  done
  status=1
fi
if ((status)); then
  echo "sanitize: $mode FAILED" >&2
else
  echo "sanitize: $mode passed, no sanitizer reports"
fi
exit "$status"
