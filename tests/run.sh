#!/usr/bin/env bash
# Sets up everything the tests need, builds, and runs the whole suite.
#
#   tests/run.sh           what CI runs: the whole suite built with clang, AddressSanitizer and
#                          UndefinedBehaviorSanitizer (./build-asan, see tests/sanitize.sh), then
#                          every fuzz target for FUZZ_SECONDS (default 30) from the same tree with
#                          libFuzzer (see tests/fuzz/run.sh), then the capture threads, the ring
#                          and the encoders under ThreadSanitizer (./build-tsan). 37 minutes on
#                          two cores with the packages already installed.
#   tests/run.sh --quick   the same suite on the ordinary build (./build, STORYBOOTH_BUILD_DIR),
#                          without sanitizers or fuzzing: about 25 minutes
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

case "${1:-}" in
  "")
    asan="${STORYBOOTH_ASAN_BUILD_DIR:-$root/build-asan}"
    start=$SECONDS
    "$root/firmware/scripts/setup.sh" --tests --no-build
    STORYBOOTH_ASAN_BUILD_DIR="$asan" "$root/tests/sanitize.sh"
    echo "run: the suite under ASan+UBSan finished at $((SECONDS - start)) s"
    FUZZ_BUILD_DIR="$asan" "$root/tests/fuzz/run.sh"
    echo "run: the fuzz targets finished at $((SECONDS - start)) s"
    "$root/tests/sanitize.sh" --tsan
    echo "run: everything passed in $((SECONDS - start)) s"
    ;;
  --quick)
    "$root/firmware/scripts/setup.sh" --tests
    cd "${STORYBOOTH_BUILD_DIR:-$root/build}"
    ctest --output-on-failure -j "$(nproc)" --timeout 900
    ;;
  -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" ;;
  *) echo "run: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac
