// Every committed fuzz seed (corpus/<target>/) and crash reproducer (regressions/<target>/),
// replayed through the fuzz targets' own entry functions, so that what the fuzzers found stays
// fixed in the ordinary test suite (no libFuzzer or clang needed).
#include "fuzz_targets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Entry = int (*)(const std::uint8_t*, std::size_t);

std::vector<fs::path> inputs(const std::string& target, const char* kind) {
    std::vector<fs::path> out;
    const fs::path dir = fs::path(SB_FUZZ_DIR) / kind / target;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs each input; a failure is a crash, a sanitizer report or an invariant's abort, so each
// input's name is printed before it runs.
std::size_t replay(const std::string& target, const char* kind, Entry entry) {
    const auto files = inputs(target, kind);
    for (const auto& f : files) {
        const std::string bytes = slurp(f);
        SCOPED_TRACE(f.string());
        std::fprintf(stderr, "replaying %s\n", f.c_str());
        EXPECT_EQ(entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
    }
    return files.size();
}

struct Target {
    const char* name;
    Entry entry;
};
// The name alone in test listings (not the bytes of the struct, which hold addresses).
void PrintTo(const Target& t, std::ostream* os) { *os << t.name; }
const Target kTargets[] = {{"ogg", fuzz_ogg}, {"api", fuzz_api}, {"changes", fuzz_changes}, {"config", fuzz_config},
                           {"bagit", fuzz_bagit}};

class FuzzReplay : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, EverySeedRunsClean) { EXPECT_GE(replay(GetParam().name, "corpus", GetParam().entry), 3u); }

TEST_P(FuzzReplay, EveryCrashReproducerStaysFixed) { replay(GetParam().name, "regressions", GetParam().entry); }

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(kTargets),
                         [](const ::testing::TestParamInfo<Target>& i) { return std::string(i.param.name); });

}  // namespace
