#pragma once
// HTTP Range for files served from disk: what a Range header asks of a file. web::serve_file
// (web/http.hpp, defined in ranges.cpp) answers with it: 206 and Content-Range, If-Range
// against an ETag, and 416 for a range that starts past the end.
#include <cstdint>
#include <string>

namespace sb::web {

// What a Range header asks of a file of `size` bytes.
struct ByteRange {
    enum class Kind {
        whole,          // no Range, or one this server ignores (several ranges, another unit, malformed)
        partial,        // first..last, inclusive, both within the file
        unsatisfiable,  // starts at or after the end (or an empty suffix): 416
    };
    Kind kind = Kind::whole;
    std::uint64_t first = 0, last = 0;
};
// Parses "bytes=A-B", "bytes=A-" and "bytes=-N" (the last N bytes). B past the end is cut to
// the end.
ByteRange parse_byte_range(const std::string& header, std::uint64_t size);

}  // namespace sb::web
