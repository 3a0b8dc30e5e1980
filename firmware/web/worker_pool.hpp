#pragma once
// The HTTP server's worker threads: the one place their number is chosen.
//
// cpp-httplib gives each connection a worker for as long as the connection lasts, and reads a
// request with a timeout per read, not per request: a client that sends its headers (or body)
// one byte every few seconds keeps its worker indefinitely. With a fixed pool, a handful of
// such clients on the network would take every worker and the touchscreen would stop
// answering. This pool keeps `min_threads` workers and starts more whenever a connection
// arrives with none free, up to `max_threads`; extra workers end after `idle` without work.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <httplib.h>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace sb::web {

struct WorkerPoolLimits {
    std::size_t min_threads = 16;   // always there: the usual load never waits for a thread to start
    std::size_t max_threads = 256;  // slow or idle connections this many deep still leave workers free
    std::chrono::seconds idle{30};  // an extra worker without work this long ends
};

class WorkerPool final : public httplib::TaskQueue {
public:
    explicit WorkerPool(WorkerPoolLimits limits = {});
    ~WorkerPool() override;
    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

    std::size_t threads() const;  // workers running now

private:
    void start_worker();  // with mu_ held
    void work(std::size_t id);
    void join_finished();  // with mu_ released

    WorkerPoolLimits limits_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::map<std::size_t, std::thread> running_;
    std::vector<std::thread> finished_;  // ended extra workers, joined by the next caller
    std::size_t idle_ = 0, next_id_ = 0;
    bool shutdown_ = false;
};

}  // namespace sb::web
