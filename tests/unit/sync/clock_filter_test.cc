#include "sync/clock_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace kairos::sync {
namespace {

const UnixTime kT(seconds(1'780'000'000));
const Duration kMaxDistance = milliseconds(1500);

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
  EXPECT_FALSE(f.evaluate(kT, 0, 15, 15, kMaxDistance).has_value());
  f.add(sample(kT, microseconds(300), milliseconds(3)), 0, 15, milliseconds(128));
  f.add(sample(kT + seconds(1), microseconds(100), microseconds(400)), 0, 15, milliseconds(128));
  f.add(sample(kT + seconds(2), microseconds(500), milliseconds(2)), 0, 15, milliseconds(128));
  const auto out = f.evaluate(kT + seconds(2), 0.0, 15.0, 15.0, kMaxDistance);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->sample.offset, microseconds(100));
  EXPECT_EQ(out->sequence, 1u);
  // RMS of (200, 0, 400) µs over n − 1 = 2: sqrt((200² + 400²)/2) ≈ 316 µs.
  EXPECT_NEAR(to_seconds(out->jitter), 316.2e-6, 1e-7);
  // The others' round trips are 1.6 and 2.6 ms longer: their offsets may be off by half
  // that, so they count (variance excess²/12 against 1 µs²) about a millionth as much.
  EXPECT_NEAR(to_seconds(out->offset), 100e-6, 0.01e-6);
  EXPECT_NE(out->offset, microseconds(100));  // but they do count
  // Aged 1 s at 15 ppm, plus the distance from the chosen sample's offset to the mean.
  EXPECT_EQ(out->dispersion, microseconds(1) + microseconds(15) + (out->offset - microseconds(100)));
}

TEST(ClockFilterTest, EquallyGoodSamplesAreAveraged) {
  ClockFilter f;
  f.add(sample(kT, microseconds(100), microseconds(400)), 0, 15, milliseconds(128));
  f.add(sample(kT, microseconds(300), microseconds(400)), 0, 15, milliseconds(128));
  const auto out = f.evaluate(kT, 0.0, 15.0, 15.0, kMaxDistance);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->offset, microseconds(200));
  EXPECT_EQ(out->dispersion, microseconds(1) + microseconds(100));
}

// Eight polls 8 s apart: seven round trips of 190-220 µs, then the newest, which decides
// by `newest_delay`. At 15 ppm an 8 s older sample ranks 120 µs worse, so the newest wins
// on rank unless its delay is a spike: beyond the least delay by more than 4x the median
// excess (here 4 x 20 µs).
std::optional<FilterOutput> after_polls(Duration newest_delay, Duration newest_offset) {
  ClockFilter f;
  const int delays_us[] = {200, 210, 190, 220, 205, 195, 215};
  for (int i = 0; i < 7; ++i) {
    f.add(sample(kT + seconds(8 * i), Duration(0), microseconds(delays_us[i])), 0, 15,
          milliseconds(128));
  }
  f.add(sample(kT + seconds(56), newest_offset, newest_delay), 0, 15, milliseconds(128));
  return f.evaluate(kT + seconds(56), 0.0, 15.0, 15.0, kMaxDistance);
}

TEST(ClockFilterTest, ADelaySpikeIsNeitherChosenNorAveraged) {
  const auto out = after_polls(microseconds(400), microseconds(100));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->sequence, 6u);  // the 8 s older sample with 215 µs
  // Its round trip is 210 µs longer than the least: it counts ~1/3700 as much as the best.
  EXPECT_LT(out->offset, microseconds(1));
  // It still counts in the jitter: RMS of (100, 0 × 6) µs over 7.
  EXPECT_NEAR(to_seconds(out->jitter), 100e-6 / std::sqrt(7.0), 1e-9);
}

TEST(ClockFilterTest, AnOrdinaryNewestSampleStillWins) {
  const auto out = after_polls(microseconds(230), microseconds(10));  // 40 µs excess: no spike
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->sequence, 7u);
  EXPECT_EQ(out->sample.offset, microseconds(10));
}

TEST(ClockFilterTest, TheReportedIntervalContainsTheTruthWheneverTheSamplesDo) {
  // Truth: offset 0 at all times, frequency 0. Each sample's offset lies within ±delay/2
  // (a random split of its round trip), so offset ± (delay/2 + dispersion) must cover 0.
  std::uint64_t state = 12345;
  auto next = [&state](double hi) {  // uniform in [0, hi), a fixed-seed LCG
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return hi * static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  ClockFilter f;
  for (int i = 0; i < 2000; ++i) {
    const UnixTime t = kT + seconds(8 * i);
    const double delay = 100e-6 + next(5e-3);
    const double offset = (next(1.0) - 0.5) * delay;
    f.add(sample(t, from_seconds(offset), from_seconds(delay)), 0, 15, milliseconds(128));
    const auto out = f.evaluate(t + seconds(static_cast<int>(next(8.0))), 0.0, 15.0, 15.0,
                                kMaxDistance);
    ASSERT_TRUE(out.has_value());
    const Duration half_width = out->sample.delay / 2 + out->dispersion;
    ASSERT_LE(out->offset < Duration(0) ? -out->offset : out->offset, half_width) << "step " << i;
  }
}

TEST(ClockFilterTest, ProjectsOffsetsWithTheFrequency) {
  ClockFilter f;
  f.add(sample(kT, milliseconds(1), microseconds(100)), 0, 15, milliseconds(128));
  const auto out = f.evaluate(kT + seconds(100), 10.0, 15.0, 15.0, kMaxDistance);
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
  EXPECT_EQ(f.evaluate(kT + seconds(5), 0, 15, 15, kMaxDistance)->offset, milliseconds(300));
}

TEST(ClockFilterTest, AReplyHeldUpForSecondsDoesNotCountInTheJitter) {
  // A reply that sat 100 s in a queue on the way back: delay 100 s, offset off by −50 s.
  // Its own distance (50 s) is beyond max_distance, so it could never be chosen usefully,
  // and it must not make the good samples' jitter 50 s (the source unfit for 8 polls).
  ClockFilter f;
  for (int i = 0; i < 3; ++i) {
    f.add(sample(kT + seconds(64 * i), microseconds(10 * i), microseconds(200)), 0, 15,
          milliseconds(128));
  }
  f.add(sample(kT + seconds(192), seconds(-50), seconds(100)), 0, 15, milliseconds(128));
  const auto out = f.evaluate(kT + seconds(200), 0.0, 15.0, 15.0, kMaxDistance);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->sample.offset, microseconds(20));  // the newest good sample: least aged
  // The estimate comes from the good samples alone (their offsets are 0, 10 and 20 µs).
  EXPECT_GE(out->offset, Duration(0));
  EXPECT_LE(out->offset, microseconds(20));
  // RMS of (20, 10) µs over the two other good samples.
  EXPECT_NEAR(to_seconds(out->jitter), std::sqrt((400.0 + 100.0) / 2) * 1e-6, 1e-9);
  EXPECT_LT(out->distance, milliseconds(2));  // 100 µs + 1 µs + 72 s at 15 ppm + jitter
  // With a limit that admits it, it counts (and dominates), as before.
  EXPECT_GT(f.evaluate(kT + seconds(200), 0.0, 15.0, 15.0, seconds(100))->jitter, seconds(25));
}

// A fixed-seed LCG: uniform in [-1, 1).
class Noise {
 public:
  double next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return 2.0 * static_cast<double>(state_ >> 11) / 9007199254740992.0 - 1.0;
  }

 private:
  std::uint64_t state_ = 42;
};

TEST(ClockFilterTest, ALongQuietHistoryAveragesTheNoiseDown) {
  // True offset 0; every round trip 200 µs; each offset off by up to ±50 µs. One sample,
  // or a mean of eight, stays ~±15..50 µs off; a fit over the 64 held is within a few µs.
  Noise noise;
  ClockFilter f;
  double worst_eight = 0.0;
  for (int i = 0; i < ClockFilter::kHistory; ++i) {
    const UnixTime t = kT + seconds(8 * i);
    f.add(sample(t, from_seconds(50e-6 * noise.next()), microseconds(200)), 0, 15,
          milliseconds(128));
    if (i >= ClockFilter::kStages) {
      worst_eight = std::max(worst_eight, std::abs(to_seconds(f.evaluate(t, 0.0, 15.0, 15.0,
                                                                         kMaxDistance)->offset)));
    }
  }
  const auto out = f.evaluate(kT + seconds(8 * ClockFilter::kHistory), 0.0, 15.0, 15.0,
                              kMaxDistance);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(f.size(), ClockFilter::kHistory);
  EXPECT_LT(std::abs(to_seconds(out->offset)), 8e-6);
  EXPECT_GT(worst_eight, 8e-6);  // the noise is there to average: early estimates show it
}

TEST(ClockFilterTest, AWanderingRateShortensTheFit) {
  // The offset bends: flat for 60 polls, then rising 1 µs per second (a 1 ppm rate change)
  // for the last 4. A line through all 64 would lag the bend by tens of µs; the fit over
  // the newest samples follows it. Noise ±1 µs.
  Noise noise;
  ClockFilter f;
  UnixTime t = kT;
  double truth = 0.0;
  for (int i = 0; i < ClockFilter::kHistory; ++i) {
    t = kT + seconds(8 * i);
    truth = i < 60 ? 0.0 : 8e-6 * (i - 59);
    f.add(sample(t, from_seconds(truth + 1e-6 * noise.next()), microseconds(200)), 0, 15,
          milliseconds(128));
  }
  const auto out = f.evaluate(t, 0.0, 15.0, 15.0, kMaxDistance);
  ASSERT_TRUE(out.has_value());
  EXPECT_NEAR(to_seconds(out->offset), truth, 6e-6);  // truth is 32 µs
}

TEST(ClockFilterTest, AStaleDriftEstimateDoesNotCarryAShortFit) {
  // A cheap crystal polled every 256 s: its rate takes a random walk of up to ±0.5 ppm a
  // poll. Each offset is off by up to ±20 µs (11.5 µs RMS); the drift estimate handed in
  // is 8 polls stale, as a regression over past samples is. A fit of 2 points takes that
  // stale slope and projects the older one 256 s with it, up to hundreds of µs off: it
  // used to be judged by the newest 4 points' scatter about their own line, which cannot
  // see the stale slope, and won most of the time (about 110 µs RMS). It now answers for
  // its own scatter. (The newest sample alone would do 11.5 µs RMS here, its own noise; a
  // free line through the newest 4, still chosen often, bends with the wander more than its
  // χ² shows.)
  Noise noise;
  ClockFilter f;
  std::vector<double> rate;  // s/s, one per poll
  double truth = 0.0;
  double sum_squares = 0.0;
  int evaluated = 0;
  for (int i = 0; i < 600; ++i) {
    rate.push_back((rate.empty() ? 0.0 : rate.back()) + 0.5e-6 * noise.next());
    truth += rate.back() * 256;
    const UnixTime t = kT + seconds(256 * i);
    const double stale_ppm = (i >= 8 ? rate[static_cast<std::size_t>(i - 8)] : 0.0) * 1e6;
    f.add(sample(t, from_seconds(truth + 20e-6 * noise.next()), microseconds(200)), stale_ppm,
          15, milliseconds(128));
    if (i < ClockFilter::kHistory) continue;
    const auto out = f.evaluate(t, stale_ppm, 15.0, 15.0, kMaxDistance);
    ASSERT_TRUE(out.has_value());
    const double error = to_seconds(out->offset) - truth;
    sum_squares += error * error;
    ++evaluated;
  }
  EXPECT_LT(std::sqrt(sum_squares / evaluated), 60e-6);  // 48 µs now
}

}  // namespace
}  // namespace kairos::sync
