#include "web/ranges.hpp"

#include "web/http.hpp"

#include "common/fs.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sb::web {

namespace {

bool parse_u64(const std::string& s, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

ByteRange parse_byte_range(const std::string& header, std::uint64_t size) {
    ByteRange r;
    const std::string prefix = "bytes=";
    if (header.compare(0, prefix.size(), prefix) != 0) return r;
    std::string spec = header.substr(prefix.size());
    while (!spec.empty() && (spec.back() == ' ' || spec.back() == '\t')) spec.pop_back();
    if (spec.find(',') != std::string::npos) return r;  // several ranges: the whole file instead
    const auto dash = spec.find('-');
    if (dash == std::string::npos) return r;
    const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
    std::uint64_t first = 0, last = 0;
    if (a.empty()) {  // the last N bytes
        if (!parse_u64(b, last)) return r;
        if (last == 0 || size == 0) {
            r.kind = ByteRange::Kind::unsatisfiable;
            return r;
        }
        r.kind = ByteRange::Kind::partial;
        r.first = last >= size ? 0 : size - last;
        r.last = size - 1;
        return r;
    }
    if (!parse_u64(a, first)) return r;
    if (b.empty()) last = UINT64_MAX;
    else if (!parse_u64(b, last) || last < first) return r;
    if (first >= size) {
        r.kind = ByteRange::Kind::unsatisfiable;
        return r;
    }
    r.kind = ByteRange::Kind::partial;
    r.first = first;
    r.last = last >= size ? size - 1 : last;
    return r;
}

void serve_file(const Request& req, Response& res, const std::filesystem::path& file, const std::string& content_type,
                const FileCheck& check) {
    // This function answers Range itself; the HTTP library must not cut the answer a second time.
    const_cast<Request&>(req).ranges.clear();

    const int raw = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (raw < 0) {
        spdlog::warn("cannot open {} for download: {}", file.string(), std::strerror(errno));
        throw HttpError(404, "No such file.");
    }
    auto fd = std::make_shared<Fd>(raw);
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) throw HttpError(404, "No such file.");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (check.expected_size && *check.expected_size != size) {
        spdlog::error("{} is {} bytes but the catalog says {}", file.string(), size, *check.expected_size);
        throw HttpError(500, "The booth's copy of this file does not match its record. Ask the librarian to check the booth.");
    }

    // Without an ETag there is nothing If-Range could match: such a request gets the whole file.
    const std::string quoted = check.etag.empty() ? "" : "\"" + check.etag + "\"";
    if (!quoted.empty()) res.set_header("ETag", quoted);
    res.set_header("Accept-Ranges", "bytes");

    ByteRange range;
    if (req.has_header("Range")) {
        const bool if_range_ok = !req.has_header("If-Range") || (!quoted.empty() && req.get_header_value("If-Range") == quoted);
        if (if_range_ok) range = parse_byte_range(req.get_header_value("Range"), size);
    }
    if (range.kind == ByteRange::Kind::unsatisfiable) {
        res.set_header("Content-Range", "bytes */" + std::to_string(size));
        send_error(res, 416, "That part of the file does not exist (the file is " + std::to_string(size) + " bytes).");
        return;
    }
    std::uint64_t start = 0, length = size;
    if (range.kind == ByteRange::Kind::partial) {
        start = range.first;
        length = range.last - range.first + 1;
        res.status = 206;
        res.set_header("Content-Range",
                       "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" + std::to_string(size));
    } else {
        res.status = 200;
    }
    if (length == 0) {
        res.set_content("", content_type);
        return;
    }
    res.set_content_provider(static_cast<std::size_t>(length), content_type,
                             [fd, start](std::size_t offset, std::size_t want, httplib::DataSink& sink) {
                                 char buf[64 * 1024];
                                 std::uint64_t pos = start + offset;
                                 while (want > 0) {
                                     const std::size_t n = want < sizeof buf ? want : sizeof buf;
                                     ssize_t got;
                                     do {
                                         got = ::pread(fd->get(), buf, n, static_cast<off_t>(pos));
                                     } while (got < 0 && errno == EINTR);
                                     if (got <= 0) return false;  // read error or the file shrank: end the connection
                                     if (!sink.write(buf, static_cast<std::size_t>(got))) return false;
                                     pos += static_cast<std::uint64_t>(got);
                                     want -= static_cast<std::size_t>(got);
                                 }
                                 return true;
                             });
}

}  // namespace sb::web
