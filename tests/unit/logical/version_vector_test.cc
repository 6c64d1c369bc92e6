#include "kairos/logical/version_vector.h"

#include <gtest/gtest.h>

#include "kairos/logical/dotted_version_vector.h"

namespace kairos::logical {
namespace {

std::span<const std::uint8_t> B(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(VersionVectorTest, IncrementMergeCompare) {
  VersionVector a, b;
  a.increment(1);
  a.increment(1);
  b.increment(2);
  EXPECT_EQ(compare(a, b), Order::kConcurrent);
  EXPECT_TRUE(a.concurrent(b));
  VersionVector c = a;
  c.merge(b);
  EXPECT_EQ(c.to_string(), "{1:2,2:1}");
  EXPECT_EQ(compare(a, c), Order::kBefore);
  EXPECT_TRUE(c.dominates(a));
  EXPECT_FALSE(c.dominates(c));
  EXPECT_EQ(compare(c, c), Order::kEqual);
  c.increment(7);
  EXPECT_EQ(compare(c, a), Order::kAfter);
  EXPECT_EQ(c.get(7), 1u);
  EXPECT_EQ(c.get(3), 0u);
  c.erase(7);
  EXPECT_EQ(c.to_string(), "{1:2,2:1}");
}

TEST(VersionVectorTest, MergeSameKeysTakesPointwiseMax) {
  VersionVector a, b;
  for (NodeId n = 0; n < 64; ++n) {
    a.set(n, n % 2 ? 10 : 1);
    b.set(n, n % 2 ? 1 : 10);
  }
  a.merge(b);
  for (NodeId n = 0; n < 64; ++n) EXPECT_EQ(a.get(n), 10u);
}

TEST(VersionVectorTest, Encodings) {
  VersionVector v;
  v.set(3, 1);
  v.set(300, 5);
  v.set(UINT64_MAX, UINT64_MAX);
  const std::string bytes = v.encode();
  EXPECT_EQ(bytes.substr(0, 5), std::string("\x03\x03\x01\xa9\x02", 5));  // count, 3, 1, 297
  EXPECT_EQ(*VersionVector::decode(B(bytes)), v);
  EXPECT_EQ(*VersionVector::parse(v.to_string()), v);
  EXPECT_EQ(VersionVector::parse("{}")->size(), 0u);
  for (std::string_view bad : {"", "{", "{1:0}", "{2:1,1:1}", "{1:1,1:2}", "{1:1,}", "{1:1}x",
                               "{a:1}", "{1:1 ,2:2}"}) {
    EXPECT_FALSE(VersionVector::parse(bad).ok()) << bad;
  }
  for (const std::string& bad :
       {std::string(""), std::string("\x01\x03", 2), std::string("\x01\x03\x00", 3),
        std::string("\x02\x03\x01\x00\x01", 5), std::string("\xff\xff\xff\xff\x0f", 5),
        std::string("\x01\x80\x00\x01", 4), std::string("\x00\x00", 2)}) {
    EXPECT_FALSE(VersionVector::decode(B(bad)).ok());
  }
}

TEST(DottedVersionVectorTest, ContainsAndCompare) {
  VersionVector past;
  past.set(1, 2);
  const DottedVersionVector d(Dot{1, 4}, past);  // events 1:1, 1:2 and 1:4 (gap at 1:3)
  EXPECT_TRUE(d.contains(Dot{1, 2}));
  EXPECT_FALSE(d.contains(Dot{1, 3}));
  EXPECT_TRUE(d.contains(Dot{1, 4}));
  const DottedVersionVector e(Dot{1, 3}, past);
  EXPECT_EQ(compare(d, e), Order::kConcurrent);
  VersionVector all;
  all.set(1, 4);
  EXPECT_EQ(compare(d, DottedVersionVector(std::nullopt, all)), Order::kBefore);
  EXPECT_EQ(d.to_string(), "[1:4]{1:2}");
  EXPECT_EQ(*DottedVersionVector::parse(d.to_string()), d);
  EXPECT_EQ(*DottedVersionVector::decode(B(d.encode())), d);
  EXPECT_FALSE(DottedVersionVector::parse("[1:2]{1:2}").ok());  // dot already in past
  EXPECT_FALSE(DottedVersionVector::parse("[1:0]{}").ok());
  EXPECT_FALSE(DottedVersionVector::decode(B(std::string("\x02\x00", 2))).ok());
}

TEST(DottedVersionVectorTest, SiblingsFromConcurrentClientWrites) {
  // Two clients read the empty key and write concurrently through server 1: both values
  // survive as siblings. A third write with the merged context replaces both.
  SiblingSet<std::string> key;
  const VersionVector empty;
  key.update(empty, 1, "v1");
  key.update(empty, 1, "v2");
  ASSERT_EQ(key.siblings().size(), 2u);
  EXPECT_EQ(key.siblings()[0].clock.to_string(), "[1:1]{}");
  EXPECT_EQ(key.siblings()[1].clock.to_string(), "[1:2]{}");
  const VersionVector ctx = key.context();
  EXPECT_EQ(ctx.to_string(), "{1:2}");
  key.update(ctx, 1, "v3");
  ASSERT_EQ(key.siblings().size(), 1u);
  EXPECT_EQ(key.siblings()[0].value, "v3");

  // Another replica wrote concurrently (server 2, same old context); sync keeps both.
  SiblingSet<std::string> other;
  other.update(empty, 2, "w");
  key.sync(other);
  EXPECT_EQ(key.siblings().size(), 2u);
  // Syncing again is idempotent; a set syncing an older state of itself keeps the newer.
  key.sync(other);
  EXPECT_EQ(key.siblings().size(), 2u);
  other.sync(key);
  EXPECT_EQ(other.siblings().size(), 2u);
}

}  // namespace
}  // namespace kairos::logical
