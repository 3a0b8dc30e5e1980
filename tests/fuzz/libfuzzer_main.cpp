// libFuzzer's entry point for one target; SB_FUZZ_ENTRY names it (set by CMakeLists.txt).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return SB_FUZZ_ENTRY(data, size); }
