#pragma once
// Text helpers shared by the feed writer and the feed checker (not part of the public API):
// XML-safe text, URL paths, and the two date formats a feed uses.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::storysync::podcast_text {

// Valid UTF-8 holding only characters XML 1.0 allows: control characters other than tab, line
// feed and carriage return are dropped, as are U+FFFE and U+FFFF; bytes that are not UTF-8
// become U+FFFD.
std::string xml_safe(std::string_view s);
// xml_safe, then &, <, > escaped (element content).
std::string escape_text(std::string_view s);
// xml_safe, then &, <, >, " and ' escaped, and tab / line feed / carriage return as character
// references so they survive attribute-value normalisation.
std::string escape_attr(std::string_view s);
// At most max_bytes of s, cut at a character boundary.
std::string truncate_utf8(std::string_view s, std::size_t max_bytes);

// A relative path percent-encoded for use after a base URL: '/' kept, unreserved characters
// kept, every other byte as %XX.
std::string encode_path(std::string_view rel);
// The reverse; nullopt on a malformed escape.
std::optional<std::string> decode_path(std::string_view s);

// Seconds since 1970 (UTC) of an ISO 8601 date-time ("2026-12-01T10:00:00[.fff](Z|±hh:mm)").
std::optional<std::int64_t> parse_iso8601(std::string_view s);
// Seconds since 1970 (UTC) of an RFC 2822 date ("Tue, 01 Dec 2026 10:00:00 +0000", zone also
// GMT/UT/UTC; the day name is optional but must match the date when given).
std::optional<std::int64_t> parse_rfc2822(std::string_view s);
// "Tue, 01 Dec 2026 10:00:00 +0000".
std::string format_rfc2822(std::int64_t unix_seconds);

}  // namespace sb::storysync::podcast_text
