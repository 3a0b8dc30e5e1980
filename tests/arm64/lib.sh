# Shared by the scripts in tests/arm64 (sourced, not run): the Debian packages a cross build for
# the Raspberry Pi (arm64) needs, installing those missing, and making this machine run arm64
# programs through qemu-user (binfmt_misc).
# shellcheck shell=bash

arm64_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Programs of the build machine (amd64).
arm64_host_pkgs=(build-essential cmake ninja-build pkg-config dpkg-dev crossbuild-essential-arm64
  qemu-user-static binfmt-support nlohmann-json3-dev libcli11-dev)
# Libraries of the target, beside the amd64 ones (multiarch).
arm64_target_pkgs=(portaudio19-dev libasound2-dev libsndfile1-dev libflac-dev libopus-dev libopusenc-dev
  libogg-dev libopusfile-dev libebur128-dev libsqlite3-dev libssl-dev libsodium-dev libqrencode-dev
  libsystemd-dev libgpiod-dev libspdlog-dev libcpp-httplib-dev libxml2-dev)
# What the tests need on top: GoogleTest for arm64, and the amd64 tools the tests run to make
# and check their audio (firmware/scripts/setup.sh --tests).
arm64_test_pkgs=(libgtest-dev:arm64 libgmock-dev:arm64 opus-tools sox espeak-ng flac alsa-utils sqlite3
  time strace rsync zbar-tools librsvg2-bin systemd ffmpeg python3-podcastparser libxml2-utils)

arm64_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

arm64_need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "$(basename "$0"): run as root (sudo): $1" >&2
    exit 1
  fi
}

# Installs the packages in "$@" that are not installed yet (names may carry :arm64).
arm64_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  arm64_need_root "apt-get install ${missing[*]}"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    arm64_log "adding the arm64 architecture to dpkg"
    dpkg --add-architecture arm64
  fi
  arm64_log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages for a cross build; with "tests", also those the test suite needs.
arm64_install_build_deps() {
  local want=("${arm64_host_pkgs[@]}") p
  for p in "${arm64_target_pkgs[@]}"; do want+=("$p:arm64"); done
  [[ "${1:-}" == tests ]] && want+=("${arm64_test_pkgs[@]}")
  arm64_install_missing "${want[@]}"
}

# arm64 programs started by anything (not only by ctest, which prefixes qemu itself) run under
# qemu-aarch64-static through binfmt_misc. qemu-user-static registers it with the F flag, so it
# also works inside a chroot that has no qemu of its own.
arm64_enable_binfmt() {
  if [[ ! -e /proc/sys/fs/binfmt_misc/status ]]; then
    arm64_need_root "mount binfmt_misc"
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if ! grep -qs enabled /proc/sys/fs/binfmt_misc/qemu-aarch64; then
    arm64_need_root "update-binfmts --enable qemu-aarch64"
    update-binfmts --enable qemu-aarch64
  fi
  grep -qs enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 || {
    echo "$(basename "$0"): arm64 programs cannot run here (binfmt_misc has no enabled qemu-aarch64)" >&2
    exit 1
  }
}
