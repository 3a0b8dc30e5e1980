#pragma once
// The HTTP layer the booth's APIs are built on (cpp-httplib underneath).
//
// Every route is registered with who may call it; the router applies that check before the
// handler runs, so a new route cannot forget its guard, and the list of routes can be
// enumerated by tests. Handlers throw HttpError (or sb::Error) and the router turns it into
// `{"error": "plain-language reason"}` with the right status.
#include "common/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sb::web {

using json = nlohmann::json;
using Request = httplib::Request;
using Response = httplib::Response;

enum class Access {
    open,   // anyone (health)
    kiosk,  // only the booth itself (loopback): the touchscreen UI
    admin,  // a logged-in librarian; state-changing methods also need the CSRF token
    sync,   // a paired laptop's bearer token
};
const char* to_string(Access a);

class HttpError : public Error {
public:
    HttpError(int status, const std::string& message) : Error(message), status_(status) {}
    int status() const noexcept { return status_; }

private:
    int status_;
};

// The checks behind each kind of access. Each returns true to let the request through, or
// writes the refusal into the response and returns false.
struct Guards {
    std::function<bool(const std::string& peer_address)> is_booth;  // default: loopback only
    std::function<bool(const Request&, Response&)> admin;            // default: refuse
    std::function<bool(const Request&, Response&)> sync;             // default: refuse
};

// Requests with more header lines than this are refused with 431.
inline constexpr std::size_t kMaxRequestHeaders = 100;

// 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool is_loopback(const std::string& address);

struct RouteInfo {
    std::string method;
    std::string pattern;  // httplib regex, e.g. R"(/api/v1/admin/stories/([0-9a-f-]{36}))"
    Access access;
};

class Router {
public:
    using Handler = std::function<void(const Request&, Response&)>;
    explicit Router(Guards guards);

    void add(const std::string& method, const std::string& pattern, Access access, Handler handler);
    const std::vector<RouteInfo>& routes() const { return routes_; }
    // Registers every route on the server, each wrapped in its guard and error handling.
    void install(httplib::Server& server) const;
    // Runs the route's guard alone: true when a request like `req` would reach the handler.
    bool admits(std::size_t route_index, const Request& req, Response& res) const;
    // Answers `req` with route `route_index` exactly as the installed server does: the guard, then
    // the handler, its errors turned into JSON answers. `req.matches` must hold the pattern's
    // captures. For requests built in-process (the fuzz tests) rather than read from a socket.
    void handle(std::size_t route_index, const Request& req, Response& res) const;

private:
    struct Entry {
        RouteInfo info;
        Handler handler;
    };
    Guards guards_;
    std::vector<RouteInfo> routes_;
    std::vector<Entry> entries_;
};

void send_json(Response& res, const json& body, int status = 200);
void send_error(Response& res, int status, const std::string& message);

// The request body as JSON. 400 with a reason when it is not JSON (or not valid UTF-8), or not
// of the expected kind.
json parse_object(const Request& req);
json parse_array(const Request& req);

// Field readers that validate type and length (in characters, i.e. UTF-8 code points) and throw
// HttpError(400) naming the field.
std::string text_field(const json& obj, const char* key, std::size_t max_chars, bool required);
std::int64_t int_field(const json& obj, const char* key, std::int64_t lo, std::int64_t hi, bool required,
                       std::int64_t fallback = 0);
bool bool_field(const json& obj, const char* key, bool required, bool fallback = false);
std::vector<std::string> text_list_field(const json& obj, const char* key, std::size_t max_items,
                                         std::size_t max_chars, bool required);
std::size_t utf8_length(const std::string& s);

// A query parameter as an integer in [lo, hi], or `fallback` when absent; 400 when malformed.
std::int64_t query_int(const Request& req, const char* key, std::int64_t lo, std::int64_t hi, std::int64_t fallback);

// What serve_file may check a file against.
struct FileCheck {
    std::string etag;                           // sent as `ETag: "<etag>"` and compared with If-Range; "" for none
    std::optional<std::uint64_t> expected_size;  // a file of another size is refused with 500
};

// Streams a file from disk (opened once, read in small preads, never loaded whole) with
// Accept-Ranges and Content-Length, so browsers can seek in audio and downloads can resume:
// one byte range is answered with 206 and Content-Range, a range that starts past the end with
// 416 and `Content-Range: bytes */size`, several ranges with the whole file. With an ETag, a
// Range is honoured only when If-Range is absent or equals it. 404 when the file cannot be
// opened. (The Range parsing is web/ranges.hpp.)
void serve_file(const Request& req, Response& res, const std::filesystem::path& file, const std::string& content_type,
                const FileCheck& check = {});

// Serves the file `relative` (e.g. "booth/index.html") from the folder `root`, with a content type
// from its extension. 404 for anything that is not a plain file inside `root`: no "..", no hidden
// names, no absolute paths.
void serve_static(const Request& req, Response& res, const std::filesystem::path& root, const std::string& relative);

// Value of a cookie in the request, or "".
std::string cookie(const Request& req, const std::string& name);

}  // namespace sb::web
