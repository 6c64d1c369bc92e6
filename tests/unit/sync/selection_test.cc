#include "sync/selection.h"

#include <gtest/gtest.h>

#include <vector>

#include "sync/combine.h"

namespace kairos::sync {
namespace {

Candidate cand(int id, Duration offset, Duration distance, Duration jitter = microseconds(10)) {
  Candidate c;
  c.source = id;
  c.offset = offset;
  c.distance = distance;
  c.jitter = jitter;
  c.stratum = 1;
  return c;
}

TEST(SelectionTest, TwoLiarsOfFiveAreFalsetickers) {
  std::vector<Candidate> c = {
      cand(0, microseconds(100), milliseconds(1)), cand(1, seconds(2), milliseconds(1)),
      cand(2, microseconds(-200), milliseconds(1)), cand(3, seconds(-3), milliseconds(1)),
      cand(4, microseconds(300), milliseconds(1))};
  const Intersection ix = select_truechimers(c);
  ASSERT_TRUE(ix.found);
  EXPECT_EQ(ix.falsetickers, 2);
  EXPECT_EQ(c[1].verdict, Verdict::kFalseticker);
  EXPECT_EQ(c[3].verdict, Verdict::kFalseticker);
  for (int i : {0, 2, 4}) EXPECT_EQ(c[static_cast<std::size_t>(i)].verdict, Verdict::kSurvivor);
  // The intersection of the three truechimers: [300µs − 1ms, −200µs + 1ms].
  EXPECT_EQ(ix.low, microseconds(-700));
  EXPECT_EQ(ix.high, microseconds(800));
}

TEST(SelectionTest, TwoDisjointSourcesHaveNoMajority) {
  std::vector<Candidate> c = {cand(0, Duration(0), milliseconds(1)),
                              cand(1, seconds(1), milliseconds(1))};
  EXPECT_FALSE(select_truechimers(c).found);
  EXPECT_EQ(c[0].verdict, Verdict::kNoMajority);
  EXPECT_EQ(c[1].verdict, Verdict::kNoMajority);
}

TEST(SelectionTest, TouchingIntervalsOverlap) {
  std::vector<Candidate> c = {cand(0, Duration(0), milliseconds(1)),
                              cand(1, milliseconds(2), milliseconds(1))};
  const Intersection ix = select_truechimers(c);
  ASSERT_TRUE(ix.found);
  EXPECT_EQ(ix.falsetickers, 0);
  EXPECT_EQ(ix.low, milliseconds(1));
  EXPECT_EQ(ix.high, milliseconds(1));
}

TEST(SelectionTest, ClusteringDropsTheOutlierButKeepsTheFloor) {
  // All five intersect (wide intervals), one sits far from the rest.
  std::vector<Candidate> c = {
      cand(0, microseconds(0), milliseconds(50)), cand(1, microseconds(10), milliseconds(50)),
      cand(2, microseconds(-10), milliseconds(50)), cand(3, microseconds(5), milliseconds(50)),
      cand(4, milliseconds(30), milliseconds(50))};
  ASSERT_TRUE(select_truechimers(c).found);
  cluster_survivors(c, 3);
  EXPECT_EQ(c[4].verdict, Verdict::kOutlier);
  int survivors = 0;
  for (const Candidate& x : c) survivors += x.verdict == Verdict::kSurvivor;
  EXPECT_GE(survivors, 3);
}

TEST(CombineTest, WeightsByInverseDistanceAndPicksThePeer) {
  std::vector<Candidate> c = {cand(0, microseconds(100), microseconds(100)),
                              cand(1, microseconds(400), microseconds(300))};
  c[1].stratum = 1;
  c[0].stratum = 2;
  const Combined r = combine(c);
  ASSERT_TRUE(r.found);
  // (100/100 + 400/300) / (1/100 + 1/300) = 175 µs.
  EXPECT_NEAR(to_seconds(r.offset), 175e-6, 1e-9);
  EXPECT_EQ(r.peer, 1);  // lower stratum wins over a shorter distance
  c[0].verdict = Verdict::kFalseticker;
  EXPECT_EQ(combine(c).offset, microseconds(400));
  c[1].verdict = Verdict::kOutlier;
  EXPECT_FALSE(combine(c).found);
}

}  // namespace
}  // namespace kairos::sync
