#include "sync/clock_filter.h"

#include <gtest/gtest.h>

namespace kairos::sync {
namespace {

const UnixTime kT(seconds(1'780'000'000));

Sample sample(UnixTime t, Duration offset, Duration delay) {
  Sample s;
  s.time = t;
  s.offset = offset;
  s.delay = delay;
  s.dispersion = microseconds(1);
  s.stratum = 1;
  s.leap = Leap::kNone;
  return s;
}

TEST(ClockFilterTest, PicksTheLowestDelayAndMeasuresJitter) {
  ClockFilter f;
  EXPECT_FALSE(f.evaluate(kT, 0, 15).has_value());
  f.add(sample(kT, microseconds(300), milliseconds(3)), 0, 15, milliseconds(128));
  f.add(sample(kT + seconds(1), microseconds(100), microseconds(400)), 0, 15, milliseconds(128));
  f.add(sample(kT + seconds(2), microseconds(500), milliseconds(2)), 0, 15, milliseconds(128));
  const auto out = f.evaluate(kT + seconds(2), 0.0, 15.0);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->offset, microseconds(100));
  EXPECT_EQ(out->sequence, 1u);
  // RMS of (200, 0, 400) µs over n − 1 = 2: sqrt((200² + 400²)/2) ≈ 316 µs.
  EXPECT_NEAR(to_seconds(out->jitter), 316.2e-6, 1e-7);
  EXPECT_EQ(out->dispersion, microseconds(1) + microseconds(15));  // aged 1 s at 15 ppm
}

TEST(ClockFilterTest, ProjectsOffsetsWithTheFrequency) {
  ClockFilter f;
  f.add(sample(kT, milliseconds(1), microseconds(100)), 0, 15, milliseconds(128));
  const auto out = f.evaluate(kT + seconds(100), 10.0, 15.0);
  EXPECT_EQ(out->offset, milliseconds(2));  // + 10 ppm × 100 s
}

TEST(ClockFilterTest, AJumpDropsTheOlderSamples) {
  ClockFilter f;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(
        f.add(sample(kT + seconds(i), Duration(0), microseconds(100)), 0, 15, milliseconds(128)));
  }
  EXPECT_TRUE(f.add(sample(kT + seconds(5), milliseconds(300), microseconds(100)), 0, 15,
                    milliseconds(128)));
  EXPECT_EQ(f.size(), 1);
  EXPECT_EQ(f.evaluate(kT + seconds(5), 0, 15)->offset, milliseconds(300));
}

}  // namespace
}  // namespace kairos::sync
