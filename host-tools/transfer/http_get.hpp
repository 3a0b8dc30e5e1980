#pragma once
// A plain-HTTP GET that streams a response body straight from the socket in large reads.
//
// Downloads of story files go through this rather than cpp-httplib's client: Debian's
// libcpp-httplib (0.11) is a compiled library whose receive loop polls and reads 4 KB at a
// time — two system calls per 4 KB, which on loopback cost more than the SHA-256 of the bytes.
// Here one poll + recv moves up to 1 MiB. Everything else (pairing, changes, ack) stays on
// cpp-httplib. Only http:// is handled; https:// booths use cpp-httplib for files too.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

namespace sb::storysync {

class HttpGet {
public:
    struct Response {
        int status = 0;
        std::map<std::string, std::string> headers;  // names lower-cased
        std::string header(const std::string& lower_name) const {
            auto it = headers.find(lower_name);
            return it == headers.end() ? "" : it->second;
        }
    };
    // Thrown on connect failures (connected == false) and on a connection that broke or went
    // silent for longer than the read timeout (connected == true).
    struct Failure {
        bool connected;
        std::string what;
    };

    HttpGet(std::string host, int port, std::chrono::seconds connect_timeout, std::chrono::seconds read_timeout);
    ~HttpGet();
    HttpGet(const HttpGet&) = delete;
    HttpGet& operator=(const HttpGet&) = delete;

    // GET `target` with `headers` (plus Host, Connection: keep-alive). `on_response` sees the
    // status and headers; `on_body` each piece of the body in order. Either may throw to stop
    // (the connection is then dropped). A kept-alive connection the server has closed is
    // re-opened once.
    // `space`, when given, may offer a buffer to receive the body straight into ({nullptr, 0}:
    // none now); bytes received there are reported through `filled` instead of `on_body`.
    void get(const std::string& target, const std::map<std::string, std::string>& headers,
             const std::function<void(const Response&)>& on_response,
             const std::function<void(const char*, std::size_t)>& on_body,
             const std::function<std::pair<char*, std::size_t>()>& space = {},
             const std::function<void(std::size_t)>& filled = {});

private:
    void connect();
    void close();
    // Reads at least one byte into buf_ (appending); 0 when the peer closed.
    std::size_t fill();

    std::string host_;
    int port_;
    std::chrono::seconds connect_timeout_, read_timeout_;
    int fd_ = -1;
    std::string buf_;  // bytes read beyond what has been consumed (headers)
};

}  // namespace sb::storysync
