#pragma once
// SHA-256 through OpenSSL (uses the CPU's SHA instructions where it has them).
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace sb {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, std::size_t len);
    // Lower-case hex digest; the object cannot be updated afterwards.
    std::string hex();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);
// Hash of a whole file. Throws IoError naming it.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace sb
