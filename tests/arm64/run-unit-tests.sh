#!/usr/bin/env bash
# Runs the test suite of the arm64 (Raspberry Pi) build on an amd64 Debian bookworm machine:
# installs what is missing (apt), cross-builds with the tests (cmake/toolchain-aarch64.cmake),
# then runs every test under user-mode QEMU and prints the pass/fail counts.
#
#   sudo tests/arm64/run-unit-tests.sh                  # build-arm64-tests/, every test but the browser ones
#   sudo tests/arm64/run-unit-tests.sh --build DIR -j 2 # another build folder; at most 2 compile jobs
#   sudo tests/arm64/run-unit-tests.sh --firmware-only  # only the booth's tests (tests/unit, tests/e2e)
#   sudo tests/arm64/run-unit-tests.sh -- -R PinStore   # anything after -- goes to ctest
#
# How the programs run: ctest starts each test binary through CMAKE_CROSSCOMPILING_EMULATOR
# (qemu-aarch64-static, set by the toolchain file). The tests that start the storybooth or
# storysync program themselves (end-to-end tests) run it through binfmt_misc, which this script
# enables (qemu-user-static registers qemu-aarch64 with the F flag). Either way the arm64 loader
# and libraries are Debian's multiarch ones (libc6:arm64 and the :arm64 -dev packages' libraries).
#
# Left out: the browser tests (tests/browser, ctest names browser_*). They drive Chromium from
# node; both are amd64 programs and Chromium's page rendering has nothing arm64-specific to
# prove, so they belong to the native run (tests/run.sh or tests/run.sh --quick). With --firmware-only, the laptop-side
# tests (storysync, podcast, site, ...) are not built either, and ctest skips their
# *_NOT_BUILT placeholders.
#
# Root is needed only to install packages and to enable binfmt_misc; once both are done the
# script runs as any user. Exit status: 0 when every test ran and passed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build="$arm64_root/build-arm64-tests"
jobs=2
ctest_args=()
targets=()
exclude='^browser_'
while (($#)); do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    -j) jobs="$2"; shift 2 ;;
    --firmware-only)
      targets=(storybooth test_core test_repair test_catalog test_auth test_feed test_session test_gpio
        test_record_e2e test_portaudio test_recorder test_daemon test_api_guards test_pages test_sync_api
        test_service test_selftest)
      exclude='^browser_|_NOT_BUILT$'
      shift ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "run-unit-tests.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

start=$(date +%s)
arm64_install_build_deps tests
arm64_enable_binfmt

arm64_log "configuring $build (arm64, Release, tests on)"
cmake -S "$arm64_root" -B "$build" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$arm64_root/cmake/toolchain-aarch64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DSTORYBOOTH_TESTS=ON >/dev/null

arm64_log "building (ninja -j$jobs)"
built=$(date +%s)
nice -n 10 ninja -C "$build" -j "$jobs" "${targets[@]}" >"$build/arm64-build.log" 2>&1 || {
  tail -40 "$build/arm64-build.log" >&2
  echo "run-unit-tests.sh: the build failed; the whole log is $build/arm64-build.log" >&2
  exit 1
}
built=$(( $(date +%s) - built ))

arm64_log "running the tests under qemu-aarch64 (browser tests left out)"
tested=$(date +%s)
log="$build/arm64-ctest.log"
set +e
# The tests run one at a time: several at once would mostly measure the emulator fighting itself
# for the CPU, and some end-to-end tests time the daemon.
(cd "$build" && nice -n 10 ctest --output-on-failure -E "$exclude" "${ctest_args[@]}") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
tested=$(( $(date +%s) - tested ))

summary=$(grep -E '^[0-9]+% tests passed' "$log" || true)
echo
echo "arm64 under qemu-user: ${summary:-no summary (see $log)}"
echo "build ${built}s, tests ${tested}s, all $(( $(date +%s) - start ))s; ctest output in $log"
exit "$status"
