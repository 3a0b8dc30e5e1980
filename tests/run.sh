#!/usr/bin/env bash
# Sets up everything the tests need, builds, and runs the whole suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/firmware/scripts/setup.sh" --tests
cd "${STORYBOOTH_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
