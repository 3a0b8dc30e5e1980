#pragma once
// SHA-256 (and SHA-512, for archive manifests) through OpenSSL (uses the CPU's SHA instructions
// where it has them).
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

// The same for SHA-512 (BagIt manifests carry both).
class Sha512 {
public:
    Sha512();
    ~Sha512();
    Sha512(const Sha512&) = delete;
    Sha512& operator=(const Sha512&) = delete;
    void update(const void* data, std::size_t len);
    // Lower-case hex digest (128 digits); the object cannot be updated afterwards.
    std::string hex();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);
std::string sha512_hex(std::string_view data);
// Hash of a whole file. Throws IoError naming it.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace sb
