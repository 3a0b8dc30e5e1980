// Request limits and slow clients: oversized bodies and header floods are refused, and clients
// that dribble their headers or body a byte at a time cannot keep the touchscreen or the health
// check from answering.
#include "security/security.hpp"
#include "web/worker_pool.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

using namespace sbtest;
using Clock = std::chrono::steady_clock;

namespace {

// A raw TCP connection to the booth, for requests no well-behaved client would send.
class RawConnection {
public:
    explicit RawConnection(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~RawConnection() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connected() const { return connected_; }
    // False once the booth has closed the connection.
    bool send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
    // What the booth answers until it closes the connection or 10 s pass.
    std::string read_all() {
        std::string out;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    int fd_ = -1;
    bool connected_ = false;
};

// Sends `request` on a connection of its own and returns all the booth answers before it closes
// the connection (nothing when it could not connect).
std::optional<std::string> raw_request(int port, const std::string& request) {
    RawConnection raw(port);
    if (!raw.connected()) return std::nullopt;
    raw.send(request);
    return raw.read_all();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

TEST(RequestLimits, ABodyOverTheLimitIsRefusedWith413) {
    SecuredBooth b;
    auto c = b.client();
    const std::string big = "{\"pin\":\"" + std::string(2 * 1024 * 1024, '1') + "\"}";
    auto r = c.Post("/api/v1/admin/login", big, "application/json");
    // Either the answer 413, or the connection closed before the client finished sending.
    if (r) {
        EXPECT_EQ(r->status, 413);
    }
    auto h = b.client().Get("/api/v1/health");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
}

TEST(RequestLimits, AnOverlongRequestLineOrHeaderIsRefused) {
    SecuredBooth b;
    const auto line = raw_request(b.daemon->port(),
        "GET /api/v1/health?" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(line) << "could not connect";
    EXPECT_EQ(line->find("200 OK"), std::string::npos) << line->substr(0, 80);
    const auto header = raw_request(b.daemon->port(),
        "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(20000, 'a') + "\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(header) << "could not connect";
    EXPECT_EQ(header->find("200 OK"), std::string::npos) << header->substr(0, 80);
    auto h = b.client().Get("/api/v1/health");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
}

TEST(RequestLimits, AFloodOfHeadersIsRefusedAndTheBoothCarriesOn) {
    SecuredBooth b;
    std::string req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
    for (int i = 0; i < 2000; ++i) req += "X-H" + std::to_string(i) + ": v\r\n";
    req += "\r\n";
    const std::string answer = raw_request(b.daemon->port(), req).value_or("");
    EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer.substr(0, 80);
    EXPECT_NE(answer.find("431"), std::string::npos) << answer.substr(0, 80);
    auto h = b.client().Get("/api/v1/health");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
}

// Slowloris: many connections each send a request one byte every second, so that none ever
// completes within the per-read timeout. While they are attached, the touchscreen's requests
// and the health check must still answer promptly.
TEST(SlowClients, ManyClientsDribblingHeadersOrBodiesDoNotStallTheBooth) {
    SecuredBooth b;
    constexpr int kHeaderDribblers = 48, kBodyDribblers = 16;
    std::atomic<bool> stop{false};
    std::atomic<int> attached{0};
    std::vector<std::thread> slow;
    for (int i = 0; i < kHeaderDribblers + kBodyDribblers; ++i) {
        slow.emplace_back([&, i] {
            RawConnection raw(b.daemon->port());
            if (!raw.connected()) return;
            std::string prefix, dribble;
            if (i < kHeaderDribblers) {
                prefix = "GET /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n";
                dribble = "X-Slow: " + std::string(200, 'a');
            } else {
                prefix = "POST /api/v1/admin/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: 4000\r\n\r\n";
                dribble = std::string(4000, ' ');
            }
            if (!raw.send(prefix)) return;
            ++attached;
            for (std::size_t k = 0; k < dribble.size() && !stop.load(); ++k) {
                if (!raw.send(dribble.substr(k, 1))) break;
                for (int w = 0; w < 10 && !stop.load(); ++w) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        });
    }
    const auto t0 = Clock::now();
    while (attached.load() < kHeaderDribblers + kBodyDribblers && seconds_since(t0) < 20)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(attached.load(), kHeaderDribblers + kBodyDribblers);
    // Let them all reach a worker and settle into dribbling.
    std::this_thread::sleep_for(std::chrono::seconds(2));

    double worst = 0;
    for (int round = 0; round < 5; ++round) {
        for (const char* path : {"/api/v1/health", "/api/v1/session", "/api/v1/questions"}) {
            httplib::Client c("127.0.0.1", b.daemon->port());
            c.set_connection_timeout(10, 0);
            c.set_read_timeout(10, 0);
            const auto t = Clock::now();
            auto r = c.Get(path);
            const double took = seconds_since(t);
            worst = std::max(worst, took);
            EXPECT_TRUE(r) << path << " gave no answer while slow clients were attached";
            if (r) {
                EXPECT_EQ(r->status, 200) << path;
            }
            EXPECT_LT(took, 2.0) << path << " took " << took << " s with slow clients attached";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    stop = true;
    for (auto& t : slow) t.join();
    RecordProperty("slow_connections", kHeaderDribblers + kBodyDribblers);
    RecordProperty("worst_ms", static_cast<int>(worst * 1000));
    std::cout << "slow connections attached: " << kHeaderDribblers + kBodyDribblers << ", worst answer " << worst * 1000
              << " ms\n";
}

// The server's worker pool: connections that hold their worker do not leave new ones waiting.
TEST(WorkerPool, StartsMoreWorkersWhenAllAreBusyUpToItsLimitAndRunsEveryJob) {
    sb::web::WorkerPool pool({.min_threads = 2, .max_threads = 6, .idle = std::chrono::seconds(1)});
    std::mutex m;
    std::condition_variable cv;
    int started = 0, finished = 0;
    bool release = false;
    for (int i = 0; i < 8; ++i) {
        pool.enqueue([&] {
            std::unique_lock<std::mutex> lock(m);
            ++started;
            cv.notify_all();
            cv.wait(lock, [&] { return release; });
            ++finished;
        });
    }
    {
        std::unique_lock<std::mutex> lock(m);
        // Six run at once (the limit); the other two wait for a free worker.
        EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return started == 6; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_EQ(started, 6);
        release = true;
        cv.notify_all();
    }
    EXPECT_LE(pool.threads(), 6u);
    pool.shutdown();
    EXPECT_EQ(finished, 8);
    EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPool, ExtraWorkersEndWhenIdle) {
    sb::web::WorkerPool pool({.min_threads = 1, .max_threads = 4, .idle = std::chrono::seconds(1)});
    std::atomic<int> done{0};
    for (int i = 0; i < 4; ++i)
        pool.enqueue([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            ++done;
        });
    const auto t0 = Clock::now();
    while (done.load() < 4 && seconds_since(t0) < 20) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(done.load(), 4);
    while (pool.threads() > 1 && seconds_since(t0) < 30) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(pool.threads(), 1u);
}
