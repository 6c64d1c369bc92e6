#include "kairos/logical/hlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace kairos::logical {
namespace {

UnixTime Ms(std::int64_t ms) { return UnixTime(milliseconds(ms)); }

TEST(HlcTest, NowFollowsPhysicalTimeAndCountsWithinAMillisecond) {
  HybridLogicalClock c(milliseconds(100));
  EXPECT_EQ(c.now(Ms(1000)), HlcTimestamp::from_parts(1000, 0));
  EXPECT_EQ(c.now(Ms(1000)), HlcTimestamp::from_parts(1000, 1));
  // Sub-millisecond time is truncated.
  EXPECT_EQ(c.now(Ms(1000) + microseconds(900)), HlcTimestamp::from_parts(1000, 2));
  // The wall clock steps back: the stamp keeps the old physical part and counts.
  EXPECT_EQ(c.now(Ms(900)), HlcTimestamp::from_parts(1000, 3));
  EXPECT_EQ(c.now(Ms(1001)), HlcTimestamp::from_parts(1001, 0));
  // Before 1970 counts as 0.
  HybridLogicalClock early;
  EXPECT_EQ(early.now(UnixTime(seconds(-5))), HlcTimestamp::from_parts(0, 1));
}

TEST(HlcTest, UpdateTakesTheMaximumAsThePaperSays) {
  HybridLogicalClock c(milliseconds(100));
  c.now(Ms(1000));  // (1000, 0)
  // Remote ahead (within the offset): adopt its physical part, logical + 1.
  EXPECT_EQ(*c.update(HlcTimestamp::from_parts(1050, 7), Ms(1001)),
            HlcTimestamp::from_parts(1050, 8));
  // Remote and local equal physical parts: max logical + 1.
  EXPECT_EQ(*c.update(HlcTimestamp::from_parts(1050, 3), Ms(1002)),
            HlcTimestamp::from_parts(1050, 9));
  // Physical time ahead of both: (pt, 0).
  EXPECT_EQ(*c.update(HlcTimestamp::from_parts(1050, 3), Ms(2000)),
            HlcTimestamp::from_parts(2000, 0));
}

TEST(HlcTest, RemoteBeyondMaxOffsetIsRejectedNotAdopted) {
  HybridLogicalClock c(milliseconds(250));
  c.now(Ms(10'000));
  Result<HlcTimestamp> r = c.update(HlcTimestamp::from_parts(10'251, 0), Ms(10'000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("251 ms ahead"), std::string::npos);
  EXPECT_EQ(c.last(), HlcTimestamp::from_parts(10'000, 0));
  EXPECT_TRUE(c.update(HlcTimestamp::from_parts(10'250, 0), Ms(10'000)).ok());

  AtomicHybridLogicalClock a(milliseconds(250));
  EXPECT_FALSE(a.update(HlcTimestamp::from_parts(10'251, 0), Ms(10'000)).ok());
  EXPECT_EQ(a.last(), HlcTimestamp());
}

TEST(HlcTest, LogicalOverflowCarriesIntoThePhysicalPart) {
  HybridLogicalClock c(milliseconds(100), HlcTimestamp::from_parts(5000, 0xfffe));
  EXPECT_EQ(c.now(Ms(5000)), HlcTimestamp::from_parts(5000, 0xffff));
  EXPECT_EQ(c.now(Ms(5000)), HlcTimestamp::from_parts(5001, 0));
  EXPECT_EQ(c.now(Ms(5000)), HlcTimestamp::from_parts(5001, 1));
  EXPECT_EQ(c.now(Ms(5001)), HlcTimestamp::from_parts(5001, 2));
}

TEST(HlcTest, Encodings) {
  const HlcTimestamp t = HlcTimestamp::from_parts(1'700'000'000'123, 42);
  EXPECT_EQ(t.to_string(), "1700000000123:42");
  EXPECT_EQ(*HlcTimestamp::parse("1700000000123:42"), t);
  EXPECT_EQ(*HlcTimestamp::decode(t.encode()), t);
  EXPECT_EQ(t.encode()[7], 42);
  EXPECT_EQ(t.physical_time(), UnixTime(milliseconds(1'700'000'000'123)));
  for (std::string_view bad : {"", "1", "1:", ":1", "1:65536", "281474976710656:0", "1:1:",
                               "01:1", " 1:1"}) {
    EXPECT_FALSE(HlcTimestamp::parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(HlcTimestamp::parse("281474976710655:65535").ok());
}

TEST(HlcTest, PersistedUpperBoundPreventsReissueAfterARestartOnAClockThatWentBack) {
  PersistedHybridLogicalClock c(milliseconds(500), 0);
  EXPECT_EQ(c.now(Ms(10'000)).status().code(), StatusCode::kFailedPrecondition);
  c.upper_bound_persisted(c.proposed_upper_bound_ms(Ms(10'000), seconds(1)));
  EXPECT_EQ(c.upper_bound_ms(), 11'000u);
  HlcTimestamp last;
  for (int i = 0; i < 900; ++i) last = *c.now(Ms(10'000 + i));
  // Reaching the bound is refused until a higher one is persisted.
  EXPECT_FALSE(c.now(Ms(11'000)).ok());
  EXPECT_EQ(c.last(), last);

  // Restart: the wall clock is now 5 s behind. Nothing at or below `last` is issued.
  PersistedHybridLogicalClock restarted(milliseconds(500), c.upper_bound_ms());
  EXPECT_FALSE(restarted.now(Ms(5'000)).ok());
  restarted.upper_bound_persisted(restarted.proposed_upper_bound_ms(Ms(5'000), seconds(1)));
  Result<HlcTimestamp> first = restarted.now(Ms(5'000));
  ASSERT_TRUE(first.ok());
  EXPECT_GT(*first, last);
  EXPECT_EQ(*first, HlcTimestamp::from_parts(11'000, 1));
}

TEST(HlcTest, AtomicClockIssuesUniqueIncreasingStampsFromManyThreads) {
  AtomicHybridLogicalClock c;
  constexpr int kThreads = 4, kPerThread = 20'000;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::uint64_t prev = 0;
      for (int i = 0; i < kPerThread; ++i) {
        const std::uint64_t v = c.now(Ms(1000 + i / 1000)).packed();
        EXPECT_GT(v, prev);
        prev = v;
        got[t].push_back(v);
      }
    });
  }
  for (auto& t : ts) t.join();
  std::set<std::uint64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// The paper's bounds on a simulated system: N processes whose clocks are within ε of
// each other, one event per process per millisecond (local, send or receive), random
// message delays. Theorem 1 (hb => hlc <), l >= pt, l - pt <= ε, c <= N (ε + 1).
TEST(HlcTest, PaperBoundsHoldInASimulatedSystem) {
  constexpr int kN = 4;
  constexpr std::int64_t kEpsMs = 20;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> skew(kN);
    for (auto& s : skew) s = static_cast<std::int64_t>(rng() % (kEpsMs + 1));
    std::vector<HybridLogicalClock> clocks(kN, HybridLogicalClock(milliseconds(kEpsMs)));
    struct Msg {
      std::int64_t deliver_at;
      HlcTimestamp stamp;
    };
    std::vector<std::deque<Msg>> inbox(kN);
    std::uint32_t max_c = 0;
    for (std::int64_t t = 1'000'000; t < 1'000'000 + 2000; ++t) {
      for (int p = 0; p < kN; ++p) {
        const std::int64_t pt_ms = t + skew[p];
        const UnixTime pt = Ms(pt_ms);
        HlcTimestamp s;
        if (!inbox[p].empty() && inbox[p].front().deliver_at <= t && rng() % 2) {
          const HlcTimestamp m = inbox[p].front().stamp;
          inbox[p].pop_front();
          Result<HlcTimestamp> r = clocks[p].update(m, pt);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          s = *r;
          ASSERT_GT(s, m);  // receive happens after send
        } else {
          s = clocks[p].now(pt);
          if (rng() % 3 == 0) {
            const int to = static_cast<int>(rng() % kN);
            const std::int64_t at = t + static_cast<std::int64_t>(rng() % 5);
            if (inbox[to].empty() || inbox[to].back().deliver_at <= at) {
              inbox[to].push_back({at, s});
            }
          }
        }
        ASSERT_GE(s.physical_ms(), static_cast<std::uint64_t>(pt_ms));
        ASSERT_LE(s.physical_ms() - static_cast<std::uint64_t>(pt_ms),
                  static_cast<std::uint64_t>(kEpsMs));
        max_c = std::max(max_c, s.logical());
      }
    }
    EXPECT_LE(max_c, static_cast<std::uint32_t>(kN * (kEpsMs + 1))) << "seed " << seed;
  }
}

}  // namespace
}  // namespace kairos::logical
