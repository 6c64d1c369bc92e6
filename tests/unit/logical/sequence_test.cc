#include "kairos/logical/sequence.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace kairos::logical {
namespace {

TEST(SequenceTest, TextSortsAsSequencesDoAndRoundTrips) {
  SequenceAllocator alloc;
  std::string prev = Sequence::none().to_string();
  EXPECT_EQ(prev, "q0000000000000");
  for (int i = 0; i < 2000; ++i) {
    Sequence s = *alloc.next();
    const std::string t = s.to_string();
    EXPECT_LT(prev, t);
    EXPECT_EQ(*Sequence::parse(t), s);
    prev = t;
  }
  const Sequence max = Sequence::from_bits(UINT64_MAX);
  EXPECT_EQ(*Sequence::parse(max.to_string()), max);
  for (std::string_view bad : {"", "q", "q000000000000", "q00000000000000", "x0000000000000",
                               "q000000000000W", "qG000000000000", "q000000000000a"}) {
    EXPECT_FALSE(Sequence::parse(bad).ok()) << bad;
  }
}

TEST(SequenceTest, AllocatorContinuesAfterAPersistedValueAndRefusesToWrap) {
  SequenceAllocator a(Sequence::from_bits(41));
  EXPECT_EQ(a.next()->to_bits(), 42u);
  Result<Sequence> block = a.next_block(10);
  EXPECT_EQ(block->to_bits(), 43u);
  EXPECT_EQ(a.last().to_bits(), 52u);
  EXPECT_FALSE(a.next_block(0).ok());
  SequenceAllocator end(Sequence::from_bits(UINT64_MAX - 1));
  EXPECT_TRUE(end.next().ok());
  EXPECT_EQ(end.next().status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(end.last().to_bits(), UINT64_MAX);
}

TEST(SequenceTest, AllocatorIsUniqueAcrossThreads) {
  SequenceAllocator a;
  std::vector<std::vector<std::uint64_t>> got(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10'000; ++i) got[t].push_back(a.next()->to_bits());
    });
  }
  for (auto& t : ts) t.join();
  std::set<std::uint64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), 40'000u);
  EXPECT_EQ(*all.rbegin(), 40'000u);
}

}  // namespace
}  // namespace kairos::logical
