#include "sync/poll_policy.h"

#include <gtest/gtest.h>

namespace kairos::sync {
namespace {

TEST(PollPolicyTest, WantedPollFollowsTheHeadroomOverTheGrowth) {
  PollPolicy p(PollConfig{6, 10, 3, milliseconds(10)});
  // (10 ms − 0.5 ms − 0) / 20 ppm = 475 s → 2^8.
  EXPECT_EQ(p.wanted(microseconds(500), 20.0, Duration(0), false), 8);
  EXPECT_EQ(p.wanted(milliseconds(11), 20.0, Duration(0), false), 6);  // no headroom
  EXPECT_EQ(p.wanted(microseconds(500), 0.01, Duration(0), false), 10);
  EXPECT_EQ(p.wanted(microseconds(500), 20.0, Duration(0), true), 3);  // learning
}

TEST(PollPolicyTest, RisesOneStepAtATimeAndDropsAtOnce) {
  PollPolicy p(PollConfig{6, 10, 3, milliseconds(10)});
  EXPECT_EQ(p.poll_log2(), 6);
  p.update(microseconds(500), 1.0, Duration(0), false);
  EXPECT_EQ(p.poll_log2(), 7);
  p.update(microseconds(500), 1.0, Duration(0), false);
  EXPECT_EQ(p.poll_log2(), 8);
  p.update(milliseconds(20), 1.0, Duration(0), false);
  EXPECT_EQ(p.poll_log2(), 6);
  EXPECT_EQ(p.interval(), seconds(64));
}

TEST(PollPolicyTest, IntervalIsTwoToThePollInSecondsEvenBelowOneSecond) {
  EXPECT_EQ(poll_interval(3), seconds(8));
  EXPECT_EQ(poll_interval(0), seconds(1));
  EXPECT_EQ(poll_interval(-4), milliseconds(62) + microseconds(500));
  PollPolicy p(PollConfig{-2, 4, -3, milliseconds(10)});
  EXPECT_EQ(p.interval(), milliseconds(250));
}

TEST(PollPolicyTest, SpreadMovesAWaitByAtMostAThirtySecondEitherWay) {
  const Duration wait = seconds(64);
  EXPECT_EQ(spread_wait(wait, 0.0), wait);
  EXPECT_EQ(spread_wait(wait, 1.0), seconds(66));
  EXPECT_EQ(spread_wait(wait, -1.0), seconds(62));
  EXPECT_EQ(spread_wait(wait, -0.5), seconds(63));
  // Out-of-range draws are clamped; a wait already over stays over (no negative wait).
  EXPECT_EQ(spread_wait(wait, 7.0), seconds(66));
  EXPECT_EQ(spread_wait(Duration(0), 1.0), Duration(0));
  EXPECT_EQ(spread_wait(-seconds(3), -1.0), Duration(0));
}

}  // namespace
}  // namespace kairos::sync
