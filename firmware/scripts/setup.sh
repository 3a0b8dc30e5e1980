#!/usr/bin/env bash
# Installs the Debian packages storybooth needs (only those missing), then configures and
# builds into ./build. Works on Debian bookworm and Raspberry Pi OS bookworm.
#   firmware/scripts/setup.sh            # what the booth needs to build and run
#   firmware/scripts/setup.sh --tests    # plus the tools the test suite uses
#   firmware/scripts/setup.sh --tests --no-build   # install only (tests/sanitize.sh builds its own tree)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${STORYBOOTH_BUILD_DIR:-$root/build}"

build_pkgs=(build-essential cmake ninja-build pkg-config dpkg-dev
  portaudio19-dev libasound2-dev libsndfile1-dev libflac-dev libopus-dev libopusenc-dev libogg-dev
  libopusfile-dev libebur128-dev libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libcpp-httplib-dev libsodium-dev libqrencode-dev libsystemd-dev libgpiod-dev libxml2-dev libgtest-dev libgmock-dev
  opus-tools sox espeak-ng)
test_pkgs=(flac alsa-utils sqlite3 time strace rsync chromium zbar-tools librsvg2-bin systemd
  ffmpeg python3-podcastparser libxml2-utils pulseaudio pulseaudio-utils libasound2-plugins clang libclang-rt-dev)

want=("${build_pkgs[@]}")
cmake_tests=OFF
do_build=1
for arg in "$@"; do
  case "$arg" in
    --tests) want+=("${test_pkgs[@]}"); cmake_tests=ON ;;
    --no-build) do_build=0 ;;
    -h|--help) sed -n '2,6p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

sudo=""
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: $1" >&2; exit 1; }
    sudo="sudo"
  fi
}

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  need_root "${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "$cmake_tests" == ON ]]; then
  # The browser tests drive Debian's Chromium with playwright-core and check pages with axe-core.
  if ! command -v npm >/dev/null; then
    echo "setup: installing nodejs npm" >&2
    need_root "nodejs npm"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  browser="$root/tests/browser"
  if [[ ! -d "$browser/node_modules" || "$browser/package-lock.json" -nt "$browser/node_modules" ]]; then
    echo "setup: installing the browser tests' npm packages" >&2
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
  fi
fi

((do_build)) || exit 0
cmake -S "$root" -B "$build" -G Ninja -DSTORYBOOTH_TESTS="$cmake_tests" ${STORYBOOTH_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
