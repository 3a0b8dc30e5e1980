# Cross build for a 64-bit Raspberry Pi (Raspberry Pi OS / Debian bookworm, arm64) on an amd64
# Debian machine. Needs:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install crossbuild-essential-arm64 qemu-user-static
#   apt-get install <each -dev package of firmware/scripts/setup.sh>:arm64
# Use: cmake --preset arm64   (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(STORYBOOTH_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${STORYBOOTH_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${STORYBOOTH_CROSS_TRIPLET}-g++)

# Debian's multiarch layout: arm64 headers and libraries live beside the amd64 ones
# (/usr/include/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu); the cross toolchain's own
# files are in /usr/aarch64-linux-gnu. Programs are taken from the build machine, libraries,
# headers and CMake package files only for the target.
set(CMAKE_FIND_ROOT_PATH /usr/${STORYBOOTH_CROSS_TRIPLET})
set(CMAKE_LIBRARY_ARCHITECTURE ${STORYBOOTH_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config reads only the arm64 .pc files (and the architecture-independent ones).
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${STORYBOOTH_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Test programs (and gtest_discover_tests, which lists the tests at build time) run under
# user-mode QEMU, with Debian's multiarch arm64 loader and libraries (/lib/ld-linux-aarch64.so.1,
# package libc6:arm64, which the -dev:arm64 packages bring). Not with -L /usr/aarch64-linux-gnu:
# that takes the cross toolchain's ld.so (libc6-arm64-cross) but still the multiarch libc.so.6
# (through /etc/ld.so.cache), two builds of glibc that do not match, and pthread_create then hangs.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
