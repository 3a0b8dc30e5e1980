#include "auth/auth.hpp"
#include "auth/sodium_init.hpp"

#include "common/error.hpp"

#include <sodium.h>

#include <cstring>
#include <vector>

namespace sb::auth {

namespace detail {

void ensure_sodium() {
    // A function-local static is initialised exactly once, even with several threads racing.
    static const bool ready = [] { return sodium_init() >= 0; }();
    if (!ready) throw Error("libsodium could not be initialised (no source of randomness?)");
}

}  // namespace detail

bool constant_time_equal(std::string_view a, std::string_view b) {
    detail::ensure_sodium();
    // The lengths are not secret (tokens and hashes have fixed lengths); the contents are.
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_token(std::size_t bytes) {
    detail::ensure_sodium();
    if (bytes == 0) throw Error("random_token: a token needs at least one byte");
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    std::string out(sodium_base64_ENCODED_LEN(bytes, variant), '\0');
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), variant);
    sodium_memzero(raw.data(), raw.size());
    out.resize(std::strlen(out.c_str()));
    return out;
}

}  // namespace sb::auth
