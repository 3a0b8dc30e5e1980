#pragma once
// A TCP proxy on loopback between storysync and the booth that can stop a sync at a chosen point.
//
// It reads the HTTP exchanges going through it (sync protocol v1: a request, then an answer with
// a Content-Length) and counts them by kind: change-feed pages, file downloads, acknowledgements.
// A point names one exchange (the k-th of a kind since the proxy was armed) and a byte inside it:
// a byte of the request (the booth has not heard all of it) or of the answer (the laptop has
// part of it). When the forwarded bytes reach that point the proxy holds the connection and
// reports it; the test then does its damage (kills a process, or tells the proxy to cut the
// connection) and releases it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace sbtest {

class FaultProxy {
public:
    enum class Kind { changes, file, ack, other };
    static const char* name(Kind k);

    struct Point {
        Kind kind = Kind::file;
        int occurrence = 1;       // the k-th exchange of that kind (1-based)
        bool in_request = false;  // inside the request instead of the answer
        double fraction = 0;      // where in it: 0 (first byte) to <1 (last byte)
    };

    // What happens to the held connection once the test has done its damage.
    enum class Release {
        pass,       // forward on until either side closes (the process killed closes its side)
        cut_fin,    // closed both ways at once, with a normal close
        cut_reset,  // closed both ways at once, with a reset
    };

    explicit FaultProxy(int upstream_port);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // The booth moved (restarted on a new port): new connections go there.
    void set_upstream(int port) { upstream_.store(port); }

    // Counts exchanges from zero and waits for `p`.
    void arm(const Point& p);
    // No point; exchanges are still counted.
    void disarm();
    // True once the armed point was reached (its connection is then held until release()).
    bool wait_reached(std::chrono::milliseconds timeout);
    void release(Release how);
    // Where the point was reached, e.g. "file 3 (GET /sync/v1/files/…/master.flac), answer byte 123 of 4567".
    std::string reached_where() const;

    // Since construction: body bytes of file answers (200/206) forwarded to the laptop.
    std::uint64_t file_body_bytes() const { return file_body_bytes_.load(); }
    // Since the last arm()/disarm(): exchanges of a kind that began.
    int exchanges(Kind k) const;

private:
    struct Conn;
    void accept_loop();
    void serve(Conn& c);
    // Called by a connection's thread at the point; returns how to go on.
    Release hold(const std::string& where);

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<int> upstream_;
    std::atomic<bool> stopping_{false};
    std::thread acceptor_;
    std::mutex conns_mu_;
    std::list<Conn> conns_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool armed_ = false, reached_ = false, released_ = false;
    Point point_;
    Release release_ = Release::pass;
    std::string where_;
    int counts_[4] = {0, 0, 0, 0};
    std::atomic<std::uint64_t> file_body_bytes_{0};
};

}  // namespace sbtest
