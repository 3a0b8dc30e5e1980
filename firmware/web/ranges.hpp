#pragma once
// Files served for download with the headers a resuming client relies on: a strong ETag,
// Range (one byte range) answered with 206 and Content-Range, If-Range, and 416 for a range
// that starts past the end. The file is streamed from disk in small reads (pread), never loaded.
#include "web/http.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
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

// Streams `file` (opened once; its size is taken from the open file) with ETag `"<etag>"`,
// Accept-Ranges, Content-Length and `content_type`. Range is honoured unless If-Range is
// present and differs from the ETag (then the whole file, 200). 416 with
// `Content-Range: bytes */size` when the range cannot be satisfied. Throws HttpError(404) when
// the file cannot be opened.
void serve_download(const Request& req, Response& res, const std::filesystem::path& file, const std::string& content_type,
                    const std::string& etag, std::optional<std::uint64_t> expected_size = std::nullopt);

}  // namespace sb::web
