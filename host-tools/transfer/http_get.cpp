#include "transfer/http_get.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace sb::storysync {

namespace {

constexpr std::size_t kRead = 1u << 20;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Acknowledge at once instead of after Linux's delayed-ACK wait (up to 40 ms). A server that
// writes the headers and then a small body in two sends, with Nagle's algorithm on, holds the
// body until the headers are acknowledged: without this every small file would cost ~40 ms.
// The flag is not sticky, so it is set again before every read.
void quickack(int fd) {
#ifdef TCP_QUICKACK
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#else
    (void)fd;
#endif
}

bool wait_for(int fd, short events, std::chrono::seconds timeout) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int r = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
        if (r < 0 && errno == EINTR) continue;
        return r > 0;
    }
}

}  // namespace

HttpGet::HttpGet(std::string host, int port, std::chrono::seconds connect_timeout, std::chrono::seconds read_timeout)
    : host_(std::move(host)), port_(port), connect_timeout_(connect_timeout), read_timeout_(read_timeout) {}

HttpGet::~HttpGet() { close(); }

void HttpGet::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
}

void HttpGet::connect() {
    close();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string host = host_;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port_).c_str(), &hints, &res); rc != 0)
        throw Failure{false, std::string("cannot find ") + host_ + ": " + ::gai_strerror(rc)};
    std::string why = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (wait_for(fd, POLLOUT, connect_timeout_)) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                rc = err ? -1 : 0;
                errno = err;
            } else {
                errno = ETIMEDOUT;
            }
        }
        if (rc == 0) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fd_ = fd;
            break;
        }
        why = std::strerror(errno);
        ::close(fd);
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) throw Failure{false, why};
}

std::size_t HttpGet::fill() {
    quickack(fd_);
    if (!wait_for(fd_, POLLIN, read_timeout_)) throw Failure{true, "no answer for " + std::to_string(read_timeout_.count()) + " s"};
    const std::size_t old = buf_.size();
    buf_.resize(old + 65536);
    ssize_t n;
    do {
        n = ::recv(fd_, buf_.data() + old, 65536, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        buf_.resize(old);
        throw Failure{true, std::strerror(errno)};
    }
    buf_.resize(old + static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
}

void HttpGet::get(const std::string& target, const std::map<std::string, std::string>& headers,
                  const std::function<void(const Response&)>& on_response,
                  const std::function<void(const char*, std::size_t)>& on_body,
                  const std::function<std::pair<char*, std::size_t>()>& space,
                  const std::function<void(std::size_t)>& filled) {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) +
                      "\r\nConnection: keep-alive\r\nAccept-Encoding: identity\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    req += "\r\n";

    Response res;
    for (int attempt = 0;; ++attempt) {
        const bool reused = fd_ >= 0;
        if (!reused) connect();
        bool sent = true;
        for (std::size_t off = 0; off < req.size();) {
            const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                sent = false;
                break;
            }
            off += static_cast<std::size_t>(n);
        }
        // Headers.
        std::size_t end = std::string::npos;
        bool closed = !sent;
        while (!closed && (end = buf_.find("\r\n\r\n")) == std::string::npos) {
            if (buf_.size() > 65536) throw Failure{true, "an answer with oversized headers"};
            try {
                closed = fill() == 0;
            } catch (const Failure&) {
                if (!reused) throw;
                closed = true;
            }
        }
        if (closed) {
            // A kept-alive connection the server had already closed: once more on a new one.
            if (reused && attempt == 0 && buf_.empty()) {
                close();
                continue;
            }
            close();
            throw Failure{true, "the connection closed before an answer"};
        }
        const std::string head = buf_.substr(0, end);
        buf_.erase(0, end + 4);
        std::size_t pos = head.find("\r\n");
        const std::string status_line = head.substr(0, pos);
        if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) throw Failure{true, "not an HTTP answer"};
        res.status = std::atoi(status_line.c_str() + 9);
        while (pos != std::string::npos && pos < head.size()) {
            const std::size_t next = head.find("\r\n", pos + 2);
            const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            const auto colon = line.find(':');
            if (colon != std::string::npos) res.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
            pos = next;
        }
        break;
    }
    if (lower(res.header("transfer-encoding")).find("chunked") != std::string::npos) {
        close();
        throw Failure{true, "a chunked answer where a file was expected"};
    }
    const bool has_length = !res.header("content-length").empty();
    std::uint64_t left = has_length ? std::strtoull(res.header("content-length").c_str(), nullptr, 10) : UINT64_MAX;
    const bool keep = has_length && lower(res.header("connection")) != "close";
    try {
        on_response(res);
        // What came with the headers, then straight from the socket in large reads.
        if (!buf_.empty() && left > 0) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf_.size()));
            on_body(buf_.data(), n);
            buf_.erase(0, n);
            left -= n;
        }
        std::vector<char> big(kRead);
        while (left > 0) {
            quickack(fd_);
            if (!wait_for(fd_, POLLIN, read_timeout_))
                throw Failure{true, "no data for " + std::to_string(read_timeout_.count()) + " s"};
            std::pair<char*, std::size_t> into{nullptr, 0};
            if (space) into = space();
            const bool direct = into.first && into.second > 0;
            if (!direct) into = {big.data(), big.size()};
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, into.second));
            ssize_t n;
            do {
                n = ::recv(fd_, into.first, want, 0);
            } while (n < 0 && errno == EINTR);
            if (n < 0) throw Failure{true, std::strerror(errno)};
            if (n == 0) {
                if (!has_length) break;  // the body runs to the close
                throw Failure{true, "the connection closed in the middle of the answer"};
            }
            if (direct) filled(static_cast<std::size_t>(n));
            else on_body(big.data(), static_cast<std::size_t>(n));
            if (has_length) left -= static_cast<std::uint64_t>(n);
        }
    } catch (...) {
        close();
        throw;
    }
    if (!keep) close();
}

}  // namespace sb::storysync
