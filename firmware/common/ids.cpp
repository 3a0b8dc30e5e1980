#include "common/ids.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <cstdint>
#include <sys/random.h>

namespace sb {

namespace {

constexpr const char* digits = "0123456789abcdef";

void random_bytes(std::uint8_t* b, std::size_t len) {
    std::size_t got = 0;
    while (got < len) {
        ssize_t n = ::getrandom(b + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read random bytes", errno);
        }
        got += static_cast<std::size_t>(n);
    }
}

bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string new_secret_link() {
    std::uint8_t b[16];
    random_bytes(b, sizeof b);
    std::string out;
    for (std::uint8_t x : b) {
        out.push_back(digits[x >> 4]);
        out.push_back(digits[x & 15]);
    }
    return out;
}

bool is_secret_link(const std::string& s) {
    if (s.size() != 32) return false;
    for (char c : s)
        if (!lower_hex(c)) return false;
    return true;
}

std::string new_uuid() {
    std::uint8_t b[16];
    random_bytes(b, sizeof b);
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(digits[b[i] >> 4]);
        out.push_back(digits[b[i] & 15]);
    }
    return out;
}

bool is_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!lower_hex(c)) {
            return false;
        }
    }
    return true;
}

}  // namespace sb
