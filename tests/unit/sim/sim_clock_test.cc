#include "sim/sim_clock.h"

#include <gtest/gtest.h>

#include "sim/rng.h"

namespace kairos::sim {
namespace {

constexpr UnixTime kStart = UnixTime(seconds(1'000'000));

TEST(SimClock, OffsetAndDriftIntegrate) {
  SimClock c(kStart, milliseconds(5), 10.0, 0.0, Rng(1));
  EXPECT_EQ(c.system(), kStart + milliseconds(5));
  c.advance_to(kStart + seconds(1000));
  // 10 ppm for 1000 s is 10 ms ahead, on top of the 5 ms offset.
  EXPECT_EQ(c.error(), milliseconds(15));
  EXPECT_EQ(c.mono() - SimClock::kMonoStart, seconds(1000) + milliseconds(10));
}

TEST(SimClock, StepsMoveTheSystemClockOnly) {
  SimClock c(kStart, Duration(0), 0.0, 0.0, Rng(1));
  const MonoTime m = c.mono();
  c.step(-milliseconds(30));
  EXPECT_EQ(c.error(), -milliseconds(30));
  EXPECT_EQ(c.mono(), m);
}

TEST(SimClock, WanderIsARandomWalkOfTheFrequency) {
  SimClock c(kStart, Duration(0), 0.0, 5.0, Rng(7));
  c.advance_to(kStart + hours(1));
  EXPECT_NE(c.frequency_ppm(), 0.0);
  EXPECT_LT(std::abs(c.frequency_ppm()), 30.0);  // 6 standard deviations
  SimClock same(kStart, Duration(0), 0.0, 5.0, Rng(7));
  same.advance_to(kStart + minutes(20));  // in two strides: the same path
  same.advance_to(kStart + hours(1));
  EXPECT_EQ(same.system(), c.system());
}

TEST(SimClock, TrueTimeOfMonoInvertsTheRate) {
  SimClock c(kStart, Duration(0), 100.0, 0.0, Rng(1));
  const UnixTime t = c.true_time_of_mono(c.mono() + seconds(100));
  c.advance_to(t);
  EXPECT_GE(c.mono(), SimClock::kMonoStart + seconds(100));
  EXPECT_LT(c.mono(), SimClock::kMonoStart + seconds(100) + microseconds(1));
}

TEST(Rng, SameSeedSameStreamAndEntitiesAreIndependent) {
  Rng a = Rng::derive(1, "node/a"), b = Rng::derive(1, "node/a"), c = Rng::derive(1, "node/b");
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs = differs || x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, DistributionsHaveTheirMoments) {
  Rng r(3);
  double sum_u = 0, sum_e = 0, sum_n = 0, sum_n2 = 0;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum_u += u;
    sum_e += r.exponential(2.0);
    const double z = r.normal();
    sum_n += z;
    sum_n2 += z * z;
    ASSERT_GE(r.pareto(1.0, 1.5), 1.0);
  }
  EXPECT_NEAR(sum_u / n, 0.5, 0.01);
  EXPECT_NEAR(sum_e / n, 2.0, 0.05);
  EXPECT_NEAR(sum_n / n, 0.0, 0.01);
  EXPECT_NEAR(sum_n2 / n, 1.0, 0.02);
}

}  // namespace
}  // namespace kairos::sim
