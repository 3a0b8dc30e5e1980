#pragma once
// UTF-8, checked: the one decoder behind every place that must tell text from bytes (the
// kiosk's input rules, ID3 tags, the podcast feed, the published site).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

// Decodes the sequence at s[i]: returns its code point and moves i past it; or returns nullopt
// and moves i on by one byte when the bytes there are not well-formed UTF-8 (a stray or missing
// continuation byte, an overlong form, a surrogate, a value beyond U+10FFFF, a cut sequence).
std::optional<char32_t> decode_utf8(std::string_view s, std::size_t& i);

// True when the whole of `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

// Appends the UTF-8 form of the code point `c` (which must be a Unicode scalar value).
void append_utf8(std::string& out, char32_t c);

}  // namespace sb
