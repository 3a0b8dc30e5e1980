#!/usr/bin/env bash
# Installs the Debian packages storybooth needs (only those missing), then configures and
# builds into ./build. Works on Debian bookworm and Raspberry Pi OS bookworm.
#   firmware/scripts/setup.sh            # what the booth needs to build and run
#   firmware/scripts/setup.sh --tests    # plus the tools the test suite uses
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${STORYBOOTH_BUILD_DIR:-$root/build}"

build_pkgs=(build-essential cmake ninja-build pkg-config
  portaudio19-dev libasound2-dev libsndfile1-dev libflac-dev libopus-dev libopusenc-dev libogg-dev
  libopusfile-dev libebur128-dev libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev
  opus-tools sox espeak-ng)
test_pkgs=(flac alsa-utils sqlite3 time strace)

want=("${build_pkgs[@]}")
cmake_tests=OFF
if [[ "${1:-}" == "--tests" ]]; then
  want+=("${test_pkgs[@]}")
  cmake_tests=ON
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S "$root" -B "$build" -G Ninja -DSTORYBOOTH_TESTS="$cmake_tests" ${STORYBOOTH_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
