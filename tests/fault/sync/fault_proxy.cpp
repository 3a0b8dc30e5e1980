#include "fault/sync/fault_proxy.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace sbtest {

namespace {

int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool send_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Content-Length of an HTTP head, or -1 when it has none.
long long content_length(const std::string& head) {
    const std::string h = lower(head);
    const auto p = h.find("\r\ncontent-length:");
    if (p == std::string::npos) return -1;
    return std::atoll(h.c_str() + p + 17);
}

FaultProxy::Kind kind_of(const std::string& target) {
    if (target.rfind("/sync/v1/changes", 0) == 0) return FaultProxy::Kind::changes;
    if (target.rfind("/sync/v1/files/", 0) == 0) return FaultProxy::Kind::file;
    if (target.rfind("/sync/v1/ack", 0) == 0) return FaultProxy::Kind::ack;
    return FaultProxy::Kind::other;
}

}  // namespace

const char* FaultProxy::name(Kind k) {
    switch (k) {
    case Kind::changes: return "change-feed page";
    case Kind::file: return "file";
    case Kind::ack: return "acknowledgement";
    case Kind::other: return "other";
    }
    return "?";
}

struct FaultProxy::Conn {
    std::mutex mu;  // guards the two descriptors against the destructor's shutdown
    int client = -1, up = -1;
    std::thread thread;
    std::atomic<bool> done{false};

    void close_all(bool reset) {
        std::lock_guard<std::mutex> lock(mu);
        for (int* fd : {&client, &up}) {
            if (*fd < 0) continue;
            if (reset) {
                linger l{1, 0};  // an abortive close: the peer gets a reset, not an orderly end
                ::setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            ::close(*fd);
            *fd = -1;
        }
    }
};

FaultProxy::FaultProxy(int upstream_port) : upstream_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0)
        throw std::runtime_error(std::string("proxy cannot listen: ") + std::strerror(errno));
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    {
        std::lock_guard<std::mutex> lock(mu_);
        cv_.notify_all();
    }
    acceptor_.join();
    ::close(listen_fd_);
    std::lock_guard<std::mutex> lock(conns_mu_);
    for (auto& c : conns_) {
        {
            std::lock_guard<std::mutex> l(c.mu);
            for (int fd : {c.client, c.up})
                if (fd >= 0) ::shutdown(fd, SHUT_RDWR);  // wakes a blocked send
        }
        c.thread.join();
    }
}

void FaultProxy::accept_loop() {
    while (!stopping_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::lock_guard<std::mutex> lock(conns_mu_);
        // Finished connections go, so a long test does not pile up threads.
        for (auto it = conns_.begin(); it != conns_.end();) {
            if (it->done) {
                it->thread.join();
                it = conns_.erase(it);
            } else {
                ++it;
            }
        }
        auto& c = conns_.emplace_back();
        c.client = fd;
        c.thread = std::thread([this, &c] {
            serve(c);
            c.close_all(false);
            c.done = true;
        });
    }
}

void FaultProxy::arm(const Point& p) {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
    reached_ = released_ = false;
    point_ = p;
    where_.clear();
    for (int& n : counts_) n = 0;
}

void FaultProxy::disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = reached_ = released_ = false;
    where_.clear();
    for (int& n : counts_) n = 0;
}

bool FaultProxy::wait_reached(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return reached_; });
    return reached_;
}

void FaultProxy::release(Release how) {
    std::lock_guard<std::mutex> lock(mu_);
    release_ = how;
    released_ = true;
    armed_ = false;
    cv_.notify_all();
}

std::string FaultProxy::reached_where() const {
    std::lock_guard<std::mutex> lock(mu_);
    return where_;
}

int FaultProxy::exchanges(Kind k) const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[static_cast<int>(k)];
}

FaultProxy::Release FaultProxy::hold(const std::string& where) {
    std::unique_lock<std::mutex> lock(mu_);
    reached_ = true;
    where_ = where;
    cv_.notify_all();
    // A test that failed before releasing must not leave the connection held for ever.
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return released_ || stopping_.load(); });
    return released_ ? release_ : Release::cut_fin;
}

void FaultProxy::serve(Conn& c) {
    {
        const int up = connect_loopback(upstream_.load());
        if (up < 0) return;  // the booth is down: the laptop sees its connection close
        std::lock_guard<std::mutex> lock(c.mu);
        c.up = up;
    }
    // The exchange going through: its request is forwarded first, then its answer.
    struct Exchange {
        Kind kind = Kind::other;
        int occurrence = 0;
        std::string what;           // request line
        bool armed = false;         // the point is in this exchange
        bool point_in_request = false;
        std::uint64_t at = 0;       // the point's byte in the request or the answer
        std::uint64_t req_len = 0, req_sent = 0;
        bool in_request = true;     // the request is not all forwarded yet
        bool head_done = false;     // the answer's head has been read
        int status = 0;
        std::uint64_t head_len = 0, resp_len = 0, resp_sent = 0;
        bool unbounded = false;     // an answer without Content-Length runs to the close
    };
    Exchange ex;
    bool between = true;  // waiting for the next request's head
    double fraction = 0;  // of the armed point, read under the lock
    std::string from_client, from_booth;
    bool booth_closed = false;
    std::vector<char> buf(256 * 1024);

    // Forwards `n` bytes of `pending` to `fd`; at the armed byte `at` (counted by `sent`), holds.
    // Returns false when the connection is to be closed now.
    auto forward = [&](std::string& pending, std::size_t n, int fd, std::uint64_t& sent, bool request_side) -> bool {
        const bool point_here = ex.armed && ex.point_in_request == request_side && sent <= ex.at && ex.at < sent + n;
        std::size_t first = point_here ? static_cast<std::size_t>(ex.at - sent) : n;
        auto count_body = [&](std::uint64_t from, std::size_t len) {
            if (request_side || ex.kind != Kind::file || (ex.status != 200 && ex.status != 206)) return;
            const std::uint64_t start = std::max<std::uint64_t>(from, ex.head_len), end = from + len;
            if (end > start) file_body_bytes_ += end - start;
        };
        if (first > 0) {
            if (!send_all(fd, pending.data(), first)) return false;
            count_body(sent, first);
            sent += first;
            pending.erase(0, first);
        }
        if (!point_here) return true;
        ex.armed = false;
        const std::uint64_t total = request_side ? ex.req_len : ex.resp_len;
        const Release how =
            hold(std::string(name(ex.kind)) + " " + std::to_string(ex.occurrence) + " (" + ex.what + "), " +
                 (request_side ? "request" : "answer") + " byte " + std::to_string(ex.at) + " of " +
                 (ex.unbounded && !request_side ? "?" : std::to_string(total)));
        if (how != Release::pass) {
            c.close_all(how == Release::cut_reset);
            return false;
        }
        const std::size_t rest = n - first;
        if (rest > 0) {
            if (!send_all(fd, pending.data(), rest)) return false;
            count_body(sent, rest);
            sent += rest;
            pending.erase(0, rest);
        }
        return true;
    };

    while (!stopping_) {
        int client, up;
        {
            std::lock_guard<std::mutex> lock(c.mu);
            client = c.client;
            up = c.up;
        }
        if (client < 0 || up < 0) return;
        pollfd p[2] = {{client, POLLIN, 0}, {up, booth_closed ? short(0) : short(POLLIN), 0}};
        if (::poll(p, 2, 100) < 0 && errno != EINTR) return;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(client, buf.data(), buf.size(), 0);
            if (n <= 0) return;  // the laptop went away
            from_client.append(buf.data(), static_cast<std::size_t>(n));
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(up, buf.data(), buf.size(), 0);
            if (n <= 0) booth_closed = true;
            else from_booth.append(buf.data(), static_cast<std::size_t>(n));
        }

        // Requests: a whole head tells the exchange's kind and length.
        while (!from_client.empty()) {
            if (between) {
                const auto end = from_client.find("\r\n\r\n");
                if (end == std::string::npos) break;
                const std::string head = from_client.substr(0, end + 4);
                ex = Exchange{};
                ex.what = head.substr(0, head.find("\r\n"));
                const auto sp = ex.what.find(' ');
                ex.kind = kind_of(ex.what.substr(sp + 1, ex.what.find(' ', sp + 1) - sp - 1));
                ex.req_len = head.size() + static_cast<std::uint64_t>(std::max(0LL, content_length(head)));
                {
                    std::lock_guard<std::mutex> lock(mu_);
                    ex.occurrence = ++counts_[static_cast<int>(ex.kind)];
                    if (armed_ && !reached_ && point_.kind == ex.kind && point_.occurrence == ex.occurrence) {
                        ex.armed = true;
                        ex.point_in_request = point_.in_request;
                        fraction = point_.fraction;
                        // On the answer: placed once its head tells its length.
                        ex.at = point_.in_request
                                    ? static_cast<std::uint64_t>(std::floor(fraction * static_cast<double>(ex.req_len)))
                                    : UINT64_MAX;
                    }
                }
                between = false;
            }
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(from_client.size(), ex.req_len - ex.req_sent));
            if (!forward(from_client, n, up, ex.req_sent, true)) return;
            if (ex.req_sent == ex.req_len) ex.in_request = false;
            if (!ex.in_request) between = true;
        }

        // Answers.
        while (!from_booth.empty()) {
            if (!ex.head_done) {
                const auto end = from_booth.find("\r\n\r\n");
                if (end == std::string::npos) {
                    if (!booth_closed) break;
                    send_all(client, from_booth.data(), from_booth.size());  // a torn head: pass it on
                    return;
                }
                const std::string head = from_booth.substr(0, end + 4);
                ex.head_done = true;
                ex.status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
                ex.head_len = head.size();
                const long long cl = content_length(head);
                ex.unbounded = cl < 0;
                ex.resp_len = ex.head_len + static_cast<std::uint64_t>(std::max(0LL, cl));
                ex.resp_sent = 0;
                if (ex.armed && ex.at == UINT64_MAX) {
                    const double len = static_cast<double>(ex.unbounded ? ex.head_len : ex.resp_len);
                    ex.at = static_cast<std::uint64_t>(std::floor(fraction * len));
                }
            }
            std::size_t n = from_booth.size();
            if (!ex.unbounded) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, ex.resp_len - ex.resp_sent));
            if (!forward(from_booth, n, client, ex.resp_sent, false)) return;
            if (!ex.unbounded && ex.resp_sent == ex.resp_len) ex.head_done = false;  // the next answer follows
        }
        if (booth_closed && from_booth.empty()) return;
    }
}

}  // namespace sbtest
