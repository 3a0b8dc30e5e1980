#include "common/hash.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"

#include <cerrno>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <vector>

namespace sb {

struct Sha256::Impl {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
    if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
        throw Error("SHA-256 is not available from OpenSSL");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t len) {
    EVP_DigestUpdate(impl_->ctx, data, len);
}

namespace {

std::string final_hex(EVP_MD_CTX* ctx) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 15]);
    }
    return out;
}

}  // namespace

std::string Sha256::hex() { return final_hex(impl_->ctx); }

struct Sha512::Impl {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha512::Sha512() : impl_(std::make_unique<Impl>()) {
    if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha512(), nullptr) != 1)
        throw Error("SHA-512 is not available from OpenSSL");
}

Sha512::~Sha512() = default;

void Sha512::update(const void* data, std::size_t len) {
    EVP_DigestUpdate(impl_->ctx, data, len);
}

std::string Sha512::hex() { return final_hex(impl_->ctx); }

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data.data(), data.size());
    return h.hex();
}

std::string sha512_hex(std::string_view data) {
    Sha512 h;
    h.update(data.data(), data.size());
    return h.hex();
}

std::string sha256_file(const std::filesystem::path& path) {
    Fd fd = open_file(path, O_RDONLY);
    Sha256 h;
    std::vector<char> buf(1 << 20);
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read " + path.string(), errno);
        }
        if (n == 0) break;
        h.update(buf.data(), static_cast<std::size_t>(n));
    }
    return h.hex();
}

}  // namespace sb
