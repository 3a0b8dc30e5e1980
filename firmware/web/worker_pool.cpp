#include "web/worker_pool.hpp"

namespace sb::web {

WorkerPool::WorkerPool(WorkerPoolLimits limits) : limits_(limits) {
    if (limits_.min_threads == 0) limits_.min_threads = 1;
    if (limits_.max_threads < limits_.min_threads) limits_.max_threads = limits_.min_threads;
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < limits_.min_threads; ++i) start_worker();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::start_worker() {
    const std::size_t id = next_id_++;
    ++idle_;  // counted idle from the start, so one burst does not start a thread per job
    running_.emplace(id, std::thread([this, id] { work(id); }));
}

void WorkerPool::enqueue(std::function<void()> fn) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (shutdown_) return;
        jobs_.push_back(std::move(fn));
        if (idle_ < jobs_.size() && running_.size() < limits_.max_threads) start_worker();
    }
    cv_.notify_one();
    join_finished();
}

void WorkerPool::work(std::size_t id) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        const bool woken = cv_.wait_for(lock, limits_.idle, [this] { return shutdown_ || !jobs_.empty(); });
        if (!woken) {
            if (running_.size() > limits_.min_threads) break;  // an extra worker with nothing to do ends
            continue;
        }
        if (jobs_.empty()) break;  // shutting down with nothing left to do
        auto fn = std::move(jobs_.front());
        jobs_.pop_front();
        --idle_;
        lock.unlock();
        fn();
        lock.lock();
        ++idle_;
    }
    --idle_;
    auto it = running_.find(id);
    finished_.push_back(std::move(it->second));
    running_.erase(it);
    cv_.notify_all();  // shutdown() may be waiting for the last worker
}

void WorkerPool::join_finished() {
    std::vector<std::thread> done;
    {
        std::lock_guard<std::mutex> lock(mu_);
        done.swap(finished_);
    }
    for (auto& t : done) t.join();
}

void WorkerPool::shutdown() {
    {
        std::unique_lock<std::mutex> lock(mu_);
        shutdown_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return running_.empty(); });
    }
    join_finished();
}

std::size_t WorkerPool::threads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return running_.size();
}

}  // namespace sb::web
