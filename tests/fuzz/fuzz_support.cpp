#include "fuzz_targets.hpp"

#include <fstream>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace sbfuzz {

namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() {
        std::error_code ec;
        fs::path base = "/dev/shm";
        if (!fs::is_directory(base, ec) || ::access(base.c_str(), W_OK) != 0) base = fs::temp_directory_path();
        if (const char* t = std::getenv("SB_FUZZ_TMPDIR")) base = t;
        dir = base / ("sbfuzz-" + std::to_string(::getpid()));
        fs::remove_all(dir, ec);
        fs::create_directories(dir);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

}  // namespace

const fs::path& scratch_dir() {
    static Scratch s;
    return s.dir;
}

fs::path fresh_dir(const std::string& name) {
    const fs::path d = scratch_dir() / name;
    std::error_code ec;
    fs::remove_all(d, ec);
    fs::create_directories(d);
    return d;
}

void write_bytes(const fs::path& file, std::string_view bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    FUZZ_CHECK(out.good());
}

void quiet_logs() {
    static const bool done = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)done;
}

}  // namespace sbfuzz
