#include "bagit/hashers.hpp"

#include "common/error.hpp"

namespace sb::storysync {

Hashers::Hashers(bool sha256, bool sha512) : blocks_(kBlocks), lens_(kBlocks, 0) {
    if (!sha256 && !sha512) throw Error("no digest asked for");
    for (auto& b : blocks_) b.resize(kBlockSize);
    auto add = [this](bool is512) {
        auto w = std::make_unique<Worker>();
        w->sha512 = is512;
        if (is512) w->h512 = std::make_unique<Sha512>();
        else w->h256 = std::make_unique<Sha256>();
        workers_.push_back(std::move(w));
    };
    if (sha256) add(false);
    if (sha512) add(true);
    for (auto& w : workers_) {
        Worker* wp = w.get();
        wp->thread = std::thread([this, wp] { run(*wp); });
    }
}

Hashers::~Hashers() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_)
        if (w->thread.joinable()) w->thread.join();
}

void Hashers::run(Worker& w) {
    std::unique_lock lock(mu_);
    for (;;) {
        work_cv_.wait(lock, [&] { return stop_ || w.done < posted_; });
        if (w.done >= posted_) return;  // stopping, nothing left
        const std::size_t slot = static_cast<std::size_t>(w.done % kBlocks);
        const std::size_t len = lens_[slot];
        lock.unlock();
        // The block is not refilled before every worker has counted it done.
        if (w.sha512) w.h512->update(blocks_[slot].data(), len);
        else w.h256->update(blocks_[slot].data(), len);
        lock.lock();
        ++w.done;
        done_cv_.notify_all();
    }
}

bool Hashers::all_done_through(std::uint64_t n) const {
    for (const auto& w : workers_)
        if (w->done < n) return false;
    return true;
}

char* Hashers::block() {
    std::unique_lock lock(mu_);
    // Slot posted_ % kBlocks last held block posted_ - kBlocks.
    if (posted_ >= kBlocks) done_cv_.wait(lock, [&] { return all_done_through(posted_ - kBlocks + 1); });
    return blocks_[static_cast<std::size_t>(posted_ % kBlocks)].data();
}

void Hashers::submit(std::size_t len) {
    {
        std::lock_guard lock(mu_);
        lens_[static_cast<std::size_t>(posted_ % kBlocks)] = len;
        ++posted_;
    }
    work_cv_.notify_all();
}

Hashers::Digests Hashers::finish() {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return all_done_through(posted_); });
    Digests d;
    for (auto& w : workers_) {
        if (w->sha512) {
            d.sha512 = w->h512->hex();
            w->h512 = std::make_unique<Sha512>();
        } else {
            d.sha256 = w->h256->hex();
            w->h256 = std::make_unique<Sha256>();
        }
    }
    return d;
}

}  // namespace sb::storysync
