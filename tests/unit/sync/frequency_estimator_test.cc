#include "sync/frequency_estimator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace kairos::sync {
namespace {

const UnixTime kT(seconds(1'780'000'000));

TEST(FrequencyEstimatorTest, PriorUntilThePointsBeatIt) {
  FrequencyEstimator f;
  EXPECT_EQ(f.frequency_ppm(), 0.0);
  EXPECT_EQ(f.error_ppm(), 500.0);
  f.load({7.0, 2.0});
  f.add(kT, Duration(0), milliseconds(1));
  f.add(kT + seconds(10), microseconds(100), milliseconds(1));  // 10 ± 200 ppm: worse
  EXPECT_EQ(f.frequency_ppm(), 7.0);
  EXPECT_EQ(f.error_ppm(), 2.0);
}

TEST(FrequencyEstimatorTest, WorstCaseErrorContainsTheTrueSlopeUnderBoundedNoise) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> noise(-1.0, 1.0);
  for (int trial = 0; trial < 50; ++trial) {
    FrequencyEstimator f;
    const double true_ppm = -37.5 + trial;
    for (int i = 0; i < 40; ++i) {
      const double error_s = 200e-6 * (1 + i % 3);
      const double t = 16.0 * i;
      const double measured = 0.01 + true_ppm * 1e-6 * t + noise(rng) * error_s;
      f.add(kT + from_seconds(t), from_seconds(measured), from_seconds(error_s));
    }
    EXPECT_LE(std::abs(f.frequency_ppm() - true_ppm), f.error_ppm()) << trial;
    EXPECT_LT(f.error_ppm(), 5.0);
    EXPECT_EQ(f.points(), 32);
  }
}

TEST(FrequencyEstimatorTest, ErrorShrinksWithTheWindowsSpanNotItsPointCount) {
  FrequencyEstimator f(FrequencyEstimatorConfig{4, 500.0, 500.0});
  for (int i = 0; i < 4; ++i) f.add(kT + seconds(8 * i), Duration(0), microseconds(100));
  // 100 µs · Σ|dt|/Σdt² for dt = ±12, ±4 s: 100 µs · 32/320 s = 10 ppm.
  const double at_8s = f.error_ppm();
  EXPECT_NEAR(at_8s, 10.0, 1e-6);
  EXPECT_EQ(f.history(), seconds(24));
  // More points at the same spacing only slide the full window: the error stays...
  for (int i = 4; i < 12; ++i) f.add(kT + seconds(8 * i), Duration(0), microseconds(100));
  EXPECT_NEAR(f.error_ppm(), at_8s, 1e-6 * at_8s);
  EXPECT_EQ(f.points(), 4);
  EXPECT_EQ(f.history(), seconds(88));  // since the start, not just the window
  // ...while points 64 s apart (a longer poll) spread it and shrink the error 8-fold.
  for (int i = 1; i <= 4; ++i) f.add(kT + seconds(88 + 64 * i), Duration(0), microseconds(100));
  EXPECT_NEAR(f.error_ppm(), at_8s / 8, 1e-6 * at_8s);
  // An older point (a new system peer's held samples) widens the history backwards.
  f.add(kT - seconds(10), Duration(0), microseconds(100));
  EXPECT_EQ(f.history(), seconds(354));
  f.shift_system_clock(seconds(-3));
  EXPECT_EQ(f.history(), seconds(354));
  f.restart();
  EXPECT_EQ(f.history(), Duration(0));
  f.add(kT + seconds(1000), Duration(0), microseconds(100));
  EXPECT_EQ(f.history(), Duration(0));
}

TEST(FrequencyEstimatorTest, ClampsAndWidensTheError) {
  FrequencyEstimator f;
  f.add(kT, Duration(0), microseconds(1));
  f.add(kT + seconds(1), milliseconds(1), microseconds(1));  // 1000 ppm
  EXPECT_EQ(f.frequency_ppm(), 500.0);
  EXPECT_GE(f.error_ppm(), 500.0);
}

TEST(FrequencyEstimatorTest, RestartKeepsTheEstimateAsPrior) {
  FrequencyEstimator f;
  for (int i = 0; i < 10; ++i)
    f.add(kT + seconds(60 * i), microseconds(12 * i * 60 / 60), microseconds(10));
  const DriftState before = f.state();
  f.restart();
  EXPECT_EQ(f.points(), 0);
  EXPECT_EQ(f.frequency_ppm(), before.frequency_ppm);
  EXPECT_EQ(f.error_ppm(), before.error_ppm);
}

}  // namespace
}  // namespace kairos::sync
