#!/usr/bin/env bash
# Sets up everything the tests need, builds, and runs the whole suite.
#
#   tests/run.sh              the whole suite in ./build (STORYBOOTH_BUILD_DIR)
#   tests/run.sh --sanitize   the whole suite built with AddressSanitizer and
#                             UndefinedBehaviorSanitizer (./build-asan, see tests/sanitize.sh), then
#                             every fuzz target for FUZZ_SECONDS (default 30) under the same
#                             sanitizers with clang and libFuzzer (./build-fuzz, see tests/fuzz/run.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

case "${1:-}" in
  "")
    "$root/firmware/scripts/setup.sh" --tests
    cd "${STORYBOOTH_BUILD_DIR:-$root/build}"
    ctest --output-on-failure -j "$(nproc)" --timeout 900
    ;;
  --sanitize)
    asan="${STORYBOOTH_ASAN_BUILD_DIR:-$root/build-asan}"
    start=$SECONDS
    STORYBOOTH_BUILD_DIR="$asan" \
      STORYBOOTH_CMAKE_ARGS="-DSTORYBOOTH_ASAN=ON -DSTORYBOOTH_UBSAN=ON -DSTORYBOOTH_TSAN=OFF ${STORYBOOTH_CMAKE_ARGS:-}" \
      "$root/firmware/scripts/setup.sh" --tests
    echo "run: set up and built with ASan+UBSan in $((SECONDS - start)) s"
    STORYBOOTH_ASAN_BUILD_DIR="$asan" "$root/tests/sanitize.sh" --no-build
    echo "run: the suite under ASan+UBSan finished at $((SECONDS - start)) s"
    "$root/tests/fuzz/run.sh"
    echo "run: everything passed in $((SECONDS - start)) s"
    ;;
  -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" ;;
  *) echo "run: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac
