#pragma once
// A lock-free single-producer single-consumer ring of samples.
//
// The capture thread writes; the recording worker reads. Neither ever blocks, locks or
// allocates after construction. Capacity is a power of two so positions wrap by masking;
// the two positions only ever grow (64-bit, they do not overflow in practice).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace sb {

template <typename T>
class SpscRing {
public:
    // Capacity is rounded up to a power of two (at least 2).
    explicit SpscRing(std::size_t min_capacity) {
        std::size_t cap = 2;
        while (cap < min_capacity) cap <<= 1;
        capacity_ = cap;
        mask_ = cap - 1;
        buf_ = std::make_unique<T[]>(cap);
    }
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::size_t capacity() const noexcept { return capacity_; }

    // Producer side. Copies up to `n` items; returns how many fit (the rest is the caller's overflow).
    std::size_t write(const T* src, std::size_t n) noexcept {
        const std::uint64_t w = write_pos_.load(std::memory_order_relaxed);
        const std::uint64_t r = read_pos_.load(std::memory_order_acquire);
        const std::size_t free_space = capacity_ - static_cast<std::size_t>(w - r);
        n = std::min(n, free_space);
        copy_in(w, src, n);
        write_pos_.store(w + n, std::memory_order_release);
        return n;
    }

    // Producer side: free space now.
    std::size_t write_available() const noexcept {
        return capacity_ - static_cast<std::size_t>(write_pos_.load(std::memory_order_relaxed) -
                                                    read_pos_.load(std::memory_order_acquire));
    }

    // Consumer side. Copies up to `n` items out; returns how many were there.
    std::size_t read(T* dst, std::size_t n) noexcept {
        const std::uint64_t r = read_pos_.load(std::memory_order_relaxed);
        const std::uint64_t w = write_pos_.load(std::memory_order_acquire);
        n = std::min(n, static_cast<std::size_t>(w - r));
        copy_out(r, dst, n);
        read_pos_.store(r + n, std::memory_order_release);
        return n;
    }

    // Consumer side: items waiting now.
    std::size_t read_available() const noexcept {
        return static_cast<std::size_t>(write_pos_.load(std::memory_order_acquire) -
                                        read_pos_.load(std::memory_order_relaxed));
    }

private:
    void copy_in(std::uint64_t pos, const T* src, std::size_t n) noexcept {
        const std::size_t start = static_cast<std::size_t>(pos) & mask_;
        const std::size_t first = std::min(n, capacity_ - start);
        std::memcpy(&buf_[start], src, first * sizeof(T));
        std::memcpy(&buf_[0], src + first, (n - first) * sizeof(T));
    }
    void copy_out(std::uint64_t pos, T* dst, std::size_t n) const noexcept {
        const std::size_t start = static_cast<std::size_t>(pos) & mask_;
        const std::size_t first = std::min(n, capacity_ - start);
        std::memcpy(dst, &buf_[start], first * sizeof(T));
        std::memcpy(dst + first, &buf_[0], (n - first) * sizeof(T));
    }

    std::size_t capacity_ = 0;
    std::size_t mask_ = 0;
    std::unique_ptr<T[]> buf_;
    // Each position on its own cache line so producer and consumer do not share one.
    alignas(64) std::atomic<std::uint64_t> write_pos_{0};
    alignas(64) std::atomic<std::uint64_t> read_pos_{0};
};

}  // namespace sb
