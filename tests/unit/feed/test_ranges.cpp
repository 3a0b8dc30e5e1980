// Range headers as the booth's downloads read them.
#include "web/ranges.hpp"

#include <gtest/gtest.h>

using sb::web::ByteRange;
using sb::web::parse_byte_range;

namespace {
ByteRange::Kind kind(const std::string& h, std::uint64_t size) { return parse_byte_range(h, size).kind; }
}  // namespace

TEST(ByteRanges, ParsesTheThreeFormsOfOneRange) {
    ByteRange r = parse_byte_range("bytes=10-99", 1000);
    EXPECT_EQ(r.kind, ByteRange::Kind::partial);
    EXPECT_EQ(r.first, 10u);
    EXPECT_EQ(r.last, 99u);
    r = parse_byte_range("bytes=500-", 1000);
    EXPECT_EQ(r.first, 500u);
    EXPECT_EQ(r.last, 999u);
    r = parse_byte_range("bytes=-100", 1000);
    EXPECT_EQ(r.first, 900u);
    EXPECT_EQ(r.last, 999u);
    r = parse_byte_range("bytes=-5000", 1000);  // more than the file: all of it
    EXPECT_EQ(r.first, 0u);
    EXPECT_EQ(r.last, 999u);
    r = parse_byte_range("bytes=990-5000", 1000);  // past the end: cut to the end
    EXPECT_EQ(r.first, 990u);
    EXPECT_EQ(r.last, 999u);
    r = parse_byte_range("bytes=999-999", 1000);
    EXPECT_EQ(r.kind, ByteRange::Kind::partial);
    EXPECT_EQ(r.first, 999u);
}

TEST(ByteRanges, AStartAtOrPastTheEndCannotBeSatisfied) {
    EXPECT_EQ(kind("bytes=1000-", 1000), ByteRange::Kind::unsatisfiable);
    EXPECT_EQ(kind("bytes=5000-6000", 1000), ByteRange::Kind::unsatisfiable);
    EXPECT_EQ(kind("bytes=-0", 1000), ByteRange::Kind::unsatisfiable);
    EXPECT_EQ(kind("bytes=0-", 0), ByteRange::Kind::unsatisfiable);
}

TEST(ByteRanges, AnythingElseMeansTheWholeFile) {
    for (const char* h : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-1", "items=0-10", "bytes=0-1,5-6",
                          "bytes=18446744073709551616-", "bytes= 1-2"})
        EXPECT_EQ(kind(h, 1000), ByteRange::Kind::whole) << h;
}
