#pragma once
// The fuzz targets. Each takes one input and returns 0; a broken invariant aborts (FUZZ_CHECK),
// a sanitizer report or an escaping exception is a finding. The same functions run under
// libFuzzer (STORYBOOTH_FUZZ=ON, clang) and, in every build, in test_fuzz_regressions, which
// replays the committed seeds and crash reproducers.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

int fuzz_ogg(const std::uint8_t* data, std::size_t size);      // Ogg page scanner, Opus repair, tag rewrite
int fuzz_api(const std::uint8_t* data, std::size_t size);      // JSON bodies of the kiosk, admin and sync routes
int fuzz_changes(const std::uint8_t* data, std::size_t size);  // the sync change feed and story JSON, as storysync reads them
int fuzz_config(const std::uint8_t* data, std::size_t size);   // storybooth.conf and storysync.conf
int fuzz_bagit(const std::uint8_t* data, std::size_t size);    // BagIt verification of a bag made from the input

namespace sbfuzz {

// An invariant of the code under test: report where and abort, so libFuzzer keeps the input.
[[noreturn]] inline void check_failed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
    std::abort();
}
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : ::sbfuzz::check_failed(#cond, __FILE__, __LINE__))

// A scratch folder for one process, on tmpfs when there is one (fsync is then free), removed at exit.
const std::filesystem::path& scratch_dir();
// A fresh empty folder under scratch_dir() (the previous one of the same name is removed first).
std::filesystem::path fresh_dir(const std::string& name);
void write_bytes(const std::filesystem::path& file, std::string_view bytes);

// Quiets the product's logging (spdlog) once: the fuzzers would otherwise print on every input.
void quiet_logs();

}  // namespace sbfuzz
