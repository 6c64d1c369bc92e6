#include "kairos/logical/itc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kairos::logical {
namespace {

ItcStamp P(std::string_view text) {
  Result<ItcStamp> s = ItcStamp::parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.value_or(ItcStamp::seed());
}

std::vector<std::uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(ItcTest, SeedForkEventJoinFollowThePaper) {
  ItcStamp seed = ItcStamp::seed();
  EXPECT_EQ(seed.to_string(), "(1, 0)");
  auto [a, b] = seed.fork();
  EXPECT_EQ(a.to_string(), "((1, 0), 0)");
  EXPECT_EQ(b.to_string(), "((0, 1), 0)");
  ASSERT_TRUE(a.event().ok());
  EXPECT_EQ(a.to_string(), "((1, 0), (0, 1, 0))");
  ASSERT_TRUE(b.event().ok());
  ASSERT_TRUE(b.event().ok());
  EXPECT_EQ(b.to_string(), "((0, 1), (0, 0, 2))");
  EXPECT_EQ(compare(a, b), Order::kConcurrent);
  Result<ItcStamp> j = ItcStamp::join(a, b);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->to_string(), "(1, (1, 0, 1))");
  EXPECT_EQ(compare(a, *j), Order::kBefore);
  // Event on the full id fills the whole tree up to its height.
  ASSERT_TRUE(j->event().ok());
  EXPECT_EQ(j->to_string(), "(1, 2)");
  EXPECT_EQ(compare(*j, seed), Order::kAfter);
}

TEST(ItcTest, PaperFigureRun) {
  // The example run of the paper's Figure 4, checked against its printed stamps.
  auto [a, b] = ItcStamp::seed().fork();
  ASSERT_TRUE(a.event().ok());
  ASSERT_TRUE(b.event().ok());
  auto [a1, c] = a.fork();
  ASSERT_TRUE(b.event().ok());
  ASSERT_TRUE(a1.event().ok());
  Result<ItcStamp> bc = ItcStamp::join(b, c);
  ASSERT_TRUE(bc.ok());
  auto [b2, c2] = bc->fork();
  Result<ItcStamp> ab = ItcStamp::join(a1, b2);
  ASSERT_TRUE(ab.ok());
  ASSERT_TRUE(ab->event().ok());
  // Worked by hand from the paper's rules: a1 grew inside its quarter; b and c joined to
  // (1, 0, 1); the fork of id ((0, 1), 1) gives (((0, 1), 0) and (0, 1)); a1 + b2 own the
  // left half, where the event fills the tree up to height 2.
  EXPECT_EQ(a1.to_string(), "(((1, 0), 0), (0, (1, 1, 0), 0))");
  EXPECT_EQ(b2.to_string(), "(((0, 1), 0), (1, 0, 1))");
  EXPECT_EQ(c2.to_string(), "((0, 1), (1, 0, 1))");
  EXPECT_EQ(ab->to_string(), "((1, 0), 2)");
}

TEST(ItcTest, EncoderBytesMatchTheReferenceEncoder) {
  // Bytes derived by hand from the clauses of the reference encoder (itc.erl encode/1):
  // ids 00+bit / 01 / 10 / 11, events 1+number or 0 + 2-bit form, numbers with the
  // leading-1 leaf bit, most significant bit first, zero padding.
  const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> cases = {
      {"(1, 0)", {0x30}},
      {"(1, 1)", {0x32}},
      {"((1, 0), 0)", {0x8C, 0x00}},
      {"((1, 0), (0, 1, 0))", {0x89, 0x90}},
      {"(1, 5)", {0x38, 0x80}},
      {"(0, (1, 0, 2))", {0x0C, 0x9A}},
      {"(0, (2, (0, 1, 0), 3))", {0x0F, 0x46, 0x6C}},
      {"(((0, 1), 1), (1, 0, (0, (3, 0, 1), 0)))", {0xD2, 0x59, 0x25, 0x97, 0x20}},
      {"(0, 1000)", {0x1F, 0xEF, 0x60}},
  };
  for (const auto& [text, bytes] : cases) {
    const ItcStamp s = P(text);
    EXPECT_EQ(Bytes(s.encode()), bytes) << text;
    Result<ItcStamp> back = ItcStamp::decode(bytes);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    EXPECT_EQ(back->to_string(), text);
  }
}

TEST(ItcTest, JoinOfOverlappingIdsIsAnErrorNotACrash) {
  // sum(1, (0, 1)) crashes the reference implementations.
  ItcStamp whole = ItcStamp::seed();
  auto [l, r] = ItcStamp::seed().fork();
  Result<ItcStamp> j = ItcStamp::join(whole, r);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("overlapping"), std::string::npos);
  EXPECT_FALSE(ItcStamp::join(l, l).ok());
  EXPECT_TRUE(ItcStamp::join(l, r).ok());
  EXPECT_TRUE(ItcStamp::join(l, whole.peek()).ok());
}

TEST(ItcTest, DecodersRejectNonNormalAndMalformedInput) {
  for (std::string_view bad : {"((1, 1), 0)", "((0, 0), 0)", "(1, (0, 1, 1))", "(1, (1, 1, 2))",
                               "(1, (0, 0, 0))", "(2, 0)", "(1, 0", "(1, 0) x", "(1, -1)",
                               "(1, 01)", "", "((1, 0), 4611686018427387904)"}) {
    Result<ItcStamp> s = ItcStamp::parse(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_FALSE(s.status().message().empty());
  }
  // Binary: (1,1) id written as 11 001 001; a redundant form (0 10 with a zero child);
  // trailing byte; non-zero padding; truncated input; empty input.
  const std::vector<std::vector<std::uint8_t>> bad_bytes = {
      {0xC9, 0x00},        // ((1, 1), 0)
      {0x05, 0x00},        // (0, (0, 0, 1)) written as 0 10 0 1
      {0x30, 0x00},        // trailing byte
      {0x31},              // padding bit set
      {0x8C},              // truncated
      {},                  // nothing
      {0x3F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},  // huge counter
  };
  for (const auto& b : bad_bytes) {
    Result<ItcStamp> s = ItcStamp::decode(b);
    EXPECT_FALSE(s.ok()) << "byte count " << b.size();
  }
  // Deep nesting is refused, not a stack overflow.
  std::string deep(5000, static_cast<char>(0xFF));  // 11 11 11 ... an id tree of endless inner nodes
  EXPECT_FALSE(ItcStamp::decode(Bytes(deep)).ok());
  std::string deep_text(3000, '(');
  EXPECT_FALSE(ItcStamp::parse(deep_text).ok());
}

TEST(ItcTest, PeekIsAnonymousAndCannotRecordEvents) {
  ItcStamp s = ItcStamp::seed();
  ASSERT_TRUE(s.event().ok());
  ItcStamp p = s.peek();
  EXPECT_TRUE(p.id().is_zero());
  EXPECT_EQ(compare(p, s), Order::kEqual);
  Status st = p.event();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
}

TEST(ItcTest, AbsorbRetiresADeadReplicasId) {
  auto [a, b] = ItcStamp::seed().fork();
  auto [b1, c] = b.fork();
  ASSERT_TRUE(c.event().ok());
  // c dies; a absorbs its last stamp (id and events). Then a and b1 own the whole interval.
  ASSERT_TRUE(a.absorb(c).ok());
  EXPECT_TRUE(c.leq(a));
  Result<ItcStamp> all = ItcStamp::join(a, b1);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->id().is_one());
  // Absorbing it twice overlaps and is refused, leaving a unchanged.
  const ItcStamp before = a;
  EXPECT_FALSE(a.absorb(c).ok());
  EXPECT_EQ(a, before);
  // What goes wrong if c was alive: its events and a's now bump the same counters, and
  // the next join of the two fails.
  ASSERT_TRUE(c.event().ok());
  EXPECT_FALSE(ItcStamp::join(a, c).ok());
}

TEST(ItcTest, IdSplitAndSumAreInverse) {
  ItcId id = ItcId::one();
  for (int i = 0; i < 5; ++i) {
    auto [l, r] = id.split();
    Result<ItcId> s = ItcId::sum(l, r);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, id);
    id = i % 2 ? l : r;
  }
  EXPECT_FALSE(ItcId::parse("(1, 1)").ok());
  EXPECT_EQ(ItcId::parse("((0, 1), 1)")->to_string(), "((0, 1), 1)");
}

}  // namespace
}  // namespace kairos::logical
