#!/usr/bin/env bash
# Proves the arm64 storybooth package on a Pi-like system, from an amd64 Debian bookworm machine:
#   1. cross-builds Release (cmake/toolchain-aarch64.cmake) and makes the package (cpack -G DEB);
#   2. makes an arm64 Debian bookworm root with debootstrap (the base is cached, see --cache);
#   3. installs storybooth_<version>_arm64.deb there with apt, which fetches its Depends from
#      deb.debian.org; every arm64 program in the root runs under qemu-user (binfmt_misc);
#   4. checks: `storybooth --version`, `storybooth selftest` as the booth's user, the users, the
#      data folder's owner and mode, the services enabled (links in /etc/systemd/system/*.wants),
#      `systemd-analyze verify` of the units inside the root;
#   5. purges the package: the settings and the enable links go, the recordings stay; installs it
#      again over the kept data.
#
#   sudo tests/arm64/prove-package.sh
#   sudo tests/arm64/prove-package.sh --build DIR     # build folder (default build-arm64, preset arm64)
#   sudo tests/arm64/prove-package.sh --deb FILE      # skip the build, prove this package
#   sudo tests/arm64/prove-package.sh --root DIR      # where the root goes (default a temporary folder)
#   sudo tests/arm64/prove-package.sh --cache DIR     # the debootstrap base (default ~/.cache/storybooth)
#   sudo tests/arm64/prove-package.sh --keep          # keep the root afterwards (chroot into it)
#   sudo tests/arm64/prove-package.sh --with-recommends  # also cage, chromium, curl, avahi-daemon
#
# Without --with-recommends apt installs only the Depends (what the daemon needs); the
# touchscreen service is then left disabled, as on a Pi without cage and chromium.
# systemd is not running in the root (no /run/systemd/system): nothing is started, as when a
# package goes into an SD card image; enabling must still work, and is checked.
# Needs root (debootstrap, chroot, mounts). Exit status 0: every check passed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build="$arm64_root/build-arm64"
deb=""
root=""
cache="${XDG_CACHE_HOME:-$HOME/.cache}/storybooth"
keep=0
recommends=--no-install-recommends
jobs=2
mirror=http://deb.debian.org/debian
while (($#)); do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --deb) deb="$(realpath "$2")"; shift 2 ;;
    --root) root="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --with-recommends) recommends=""; shift ;;
    -j) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "prove-package.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
arm64_need_root "debootstrap, chroot and mounts"

t0=$(date +%s)
declare -a timings=()
stage_start=$t0
stage() {  # stage NAME: the time since the previous stage is booked to NAME
  local now; now=$(date +%s)
  timings+=("$1 $((now - stage_start))s")
  stage_start=$now
}
failures=0
check() {  # check DESCRIPTION COMMAND...: prints ok/FAILED
  local what="$1"; shift
  if "$@"; then echo "ok      $what"; else echo "FAILED  $what"; failures=$((failures + 1)); fi
}

# 1. The package.
if [[ -z "$deb" ]]; then
  arm64_install_build_deps
  arm64_log "cross-building Release in $build"
  # Not every target is needed for the packages: `install` (and so cpack) need not build the tests.
  cmake -S "$arm64_root" -B "$build" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$arm64_root/cmake/toolchain-aarch64.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
  nice -n 10 ninja -C "$build" -j "$jobs" storybooth >"$build/arm64-build.log" 2>&1 || {
    tail -40 "$build/arm64-build.log" >&2; exit 1; }
  stage build
  arm64_log "making the storybooth package (cpack -G DEB)"
  rm -f "$build"/storybooth_*_arm64.deb
  # Only the booth's package: storysync (the laptop program) is not needed on the Pi.
  (cd "$build" && cpack -G DEB -D CPACK_COMPONENTS_ALL=Unspecified >"$build/arm64-cpack.log" 2>&1) || {
    tail -20 "$build/arm64-cpack.log" >&2; exit 1; }
  deb=$(ls "$build"/storybooth_*_arm64.deb)
  stage cpack
fi
[[ -f "$deb" ]] || { echo "prove-package.sh: no package $deb" >&2; exit 1; }
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends

# 2. The root. The cached base is made once (about ten minutes) and unpacked fresh every run.
arm64_install_missing debootstrap qemu-user-static binfmt-support
arm64_enable_binfmt
base="$cache/bookworm-arm64-minbase.tar"
if [[ ! -f "$base" ]]; then
  arm64_log "debootstrap: arm64 bookworm into $cache (once)"
  mkdir -p "$cache"
  rm -rf "$cache/bookworm-arm64.new"
  # minbase plus systemd (Raspberry Pi OS boots with it; the package's scripts use its helpers).
  debootstrap --arch=arm64 --variant=minbase --include=systemd,ca-certificates \
    bookworm "$cache/bookworm-arm64.new" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  tar -C "$cache/bookworm-arm64.new" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$cache/bookworm-arm64.new"
fi
if [[ -z "$root" ]]; then
  root=$(mktemp -d /tmp/storybooth-arm64-root.XXXXXX)
elif [[ -e "$root" ]]; then
  [[ -z "$(ls -A "$root")" ]] || { echo "prove-package.sh: $root is not empty" >&2; exit 2; }
fi
mkdir -p "$root"
tar -C "$root" -xf "$base"
mounts=()
cleanup() {
  local m
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
  if ((keep)); then echo "the root stays in $root"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
  case "$m" in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sys "$root/sys" ;;
    dev) mount --bind /dev "$root/dev" ;;
    dev/pts) mount -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666 ;;
  esac
  mounts+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
stage root

# 3. apt install ./storybooth_*.deb
cp "$deb" "$root/tmp/"
arm64_log "apt-get install ./$(basename "$deb") in the arm64 root"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $recommends "/tmp/$(basename "$deb")" \
  >"$root/tmp/install.log" 2>&1 || { tail -30 "$root/tmp/install.log" >&2; exit 1; }
grep -E '^(storybooth|Setting up storybooth)|storybooth:' "$root/tmp/install.log" || true
stage install

# 4. The checks.
echo "--- in the arm64 root ($(in_root uname -m), $(in_root sh -c '. /etc/os-release; echo $PRETTY_NAME'))"
check "storybooth --version: $(in_root storybooth --version 2>&1 | head -1)" in_root storybooth --version
echo "--- storybooth selftest (as the user storybooth)"
set +e
in_root runuser -u storybooth -- storybooth selftest --config /etc/storybooth/storybooth.conf
selftest=$?
set -e
check "storybooth selftest exits 0" test "$selftest" -eq 0
check "the user storybooth exists, in the group audio" sh -c "chroot '$root' id -nG storybooth | grep -qw audio"
check "the user kiosk exists" in_root getent passwd kiosk
mode=$(in_root stat -c '%U:%G %a' /var/lib/storybooth)
check "/var/lib/storybooth is storybooth:storybooth 750 ($mode)" test "$mode" = "storybooth:storybooth 750"
check "storybooth.service is enabled (multi-user.target.wants)" \
  test -L "$root/etc/systemd/system/multi-user.target.wants/storybooth.service"
if [[ -n "$recommends" ]]; then
  check "storybooth-kiosk.service is not enabled without cage and chromium" \
    test ! -e "$root/etc/systemd/system/graphical.target.wants/storybooth-kiosk.service"
else
  check "storybooth-kiosk.service is enabled (graphical.target.wants)" \
    test -L "$root/etc/systemd/system/graphical.target.wants/storybooth-kiosk.service"
fi
check "/etc/storybooth/storybooth.conf is a conffile, mode 644" \
  sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' storybooth | grep -q /etc/storybooth/storybooth.conf &&
         test \"\$(stat -c %a '$root/etc/storybooth/storybooth.conf')\" = 644"
echo "--- systemd-analyze verify (in the root)"
check "systemd-analyze verify storybooth.service" \
  in_root env SYSTEMD_LOG_COLOR=0 systemd-analyze verify /lib/systemd/system/storybooth.service
# Without the recommended packages the only complaint allowed about the touchscreen's unit is
# that the programs it runs (cage, chromium, curl) are not installed.
verify_kiosk() {
  local out
  out=$(in_root env SYSTEMD_LOG_COLOR=0 systemd-analyze verify /lib/systemd/system/storybooth-kiosk.service 2>&1) && return 0
  [[ -n "$recommends" ]] || { echo "$out"; return 1; }
  out=$(echo "$out" | grep -vE '/usr/bin/(cage|chromium|curl) is not executable' || true)
  [[ -z "$out" ]] || { echo "$out"; return 1; }
}
check "systemd-analyze verify storybooth-kiosk.service" verify_kiosk
stage checks

# 5. Purge, with a recording in the data folder.
echo "--- apt-get purge storybooth"
in_root runuser -u storybooth -- storybooth info --data /var/lib/storybooth >/dev/null
in_root runuser -u storybooth -- sh -c 'mkdir -p /var/lib/storybooth/stories/2026 && echo take1 > /var/lib/storybooth/stories/2026/story.opus'
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q storybooth >"$root/tmp/purge.log" 2>&1 || {
  tail -20 "$root/tmp/purge.log" >&2; exit 1; }
grep 'storybooth:' "$root/tmp/purge.log" || true
check "the package is gone" sh -c "! chroot '$root' dpkg-query -W -f='\${Status}' storybooth 2>/dev/null | grep -q installed"
check "the settings are gone (/etc/storybooth)" test ! -e "$root/etc/storybooth"
check "the enable links are gone" sh -c "! ls '$root'/etc/systemd/system/*.wants/storybooth* >/dev/null 2>&1"
check "the recording is still there" grep -qx take1 "$root/var/lib/storybooth/stories/2026/story.opus"
check "the catalog is still there" test -s "$root/var/lib/storybooth/catalog.db"
echo "--- installing again over the kept recordings"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $recommends "/tmp/$(basename "$deb")" \
  >"$root/tmp/reinstall.log" 2>&1 || { tail -30 "$root/tmp/reinstall.log" >&2; exit 1; }
mode=$(in_root stat -c '%U:%G %a' /var/lib/storybooth/stories/2026/story.opus)
check "the recording keeps its owner after reinstalling ($mode)" sh -c "test '${mode%% *}' = storybooth:storybooth"
check "storybooth.service is enabled again" \
  test -L "$root/etc/systemd/system/multi-user.target.wants/storybooth.service"
check "storybooth selftest passes again" in_root runuser -u storybooth -- storybooth selftest --config /etc/storybooth/storybooth.conf
stage purge-reinstall

echo "--- timings: ${timings[*]}; all $(( $(date +%s) - t0 ))s"
if ((failures)); then echo "$failures check(s) FAILED"; exit 1; fi
echo "every check passed"
