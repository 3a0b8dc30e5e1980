#include "capture/ring.hpp"
#include "capture/source.hpp"

#include <gtest/gtest.h>
#include <thread>
#include <vector>

using sb::SpscRing;

TEST(Ring, CapacityRoundsUpToPowerOfTwo) {
    EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
    EXPECT_EQ(SpscRing<int>(8).capacity(), 8u);
    EXPECT_EQ(SpscRing<int>(1).capacity(), 2u);
}

TEST(Ring, WriteBeyondCapacityTakesOnlyWhatFits) {
    SpscRing<int> r(8);
    std::vector<int> v(12, 7);
    EXPECT_EQ(r.write(v.data(), v.size()), 8u);
    EXPECT_EQ(r.write_available(), 0u);
    EXPECT_EQ(r.read_available(), 8u);
}

TEST(Ring, ReadsBackInOrderAcrossTheWrapPoint) {
    SpscRing<int> r(8);
    int next = 0, expect = 0;
    for (int round = 0; round < 100; ++round) {
        int in[5];
        for (int& x : in) x = next++;
        ASSERT_EQ(r.write(in, 5), 5u);
        int out[5];
        ASSERT_EQ(r.read(out, 5), 5u);
        for (int x : out) ASSERT_EQ(x, expect++);
    }
}

TEST(Ring, ReadFromEmptyReturnsNothing) {
    SpscRing<int> r(4);
    int out[4];
    EXPECT_EQ(r.read(out, 4), 0u);
}

TEST(Ring, ProducerAndConsumerThreadsLoseAndReorderNothing) {
    SpscRing<std::uint32_t> r(1024);
    constexpr std::uint32_t kTotal = 2'000'000;
    std::thread producer([&] {
        std::uint32_t next = 0;
        std::uint32_t buf[37];
        while (next < kTotal) {
            std::size_t n = std::min<std::size_t>(37, kTotal - next);
            for (std::size_t i = 0; i < n; ++i) buf[i] = next + static_cast<std::uint32_t>(i);
            std::size_t w = r.write(buf, n);
            next += static_cast<std::uint32_t>(w);
            if (w == 0) std::this_thread::yield();
        }
    });
    std::uint32_t expect = 0;
    bool ok = true;
    std::uint32_t buf[53];
    while (expect < kTotal) {
        std::size_t n = r.read(buf, 53);
        for (std::size_t i = 0; i < n; ++i) ok = ok && (buf[i] == expect++);
        if (n == 0) std::this_thread::yield();
    }
    producer.join();
    EXPECT_TRUE(ok);
    EXPECT_EQ(r.read_available(), 0u);
}

TEST(CaptureSink, FullRingDropsWholeFramesAndCountsAnOverflow) {
    sb::CaptureSink sink(2, 4);  // 4 frames of 2 channels = 8 samples
    std::int16_t frames[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    sink.push(frames, 6);
    EXPECT_EQ(sink.frames_pushed(), 4u);
    EXPECT_EQ(sink.frames_dropped(), 2u);
    EXPECT_EQ(sink.overflows(), 1u);
    std::int16_t out[8];
    ASSERT_EQ(sink.ring().read(out, 8), 8u);
    EXPECT_EQ(out[0], 1);
    EXPECT_EQ(out[7], 8);
}
