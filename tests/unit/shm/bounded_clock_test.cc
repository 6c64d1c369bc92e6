// The header-only reader's arithmetic: the interval, its monotonicity, staleness, and
// commit wait over a ManualClock.
#include "kairos/bounded_clock.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include <random>

namespace kairos {
namespace {

using shm_layout::RecordValue;

constexpr std::int64_t kSec = 1'000'000'000;

RecordValue record() {
  RecordValue r;
  r.ref_ns = 1'000 * kSec;
  r.offset_ns = 250'000'000;  // virtual is 250 ms ahead of the system clock
  r.frequency_ppm = 100.0;
  r.error_bound_ns = 500'000;
  r.max_drift_ppm = 15.0;
  r.heartbeat_ns = r.ref_ns;
  r.status = 1;
  r.leap = 0;
  return r;
}

TEST(BoundedInterval, FollowsTheLineAndWidensAtTheDriftRate) {
  const RecordValue r = record();
  const std::int64_t t = r.ref_ns + 2 * kSec;
  TimeInterval i;
  ASSERT_EQ(bounded_interval(r, t, 10 * kSec, i), BoundedError::kOk);
  // 2 s · 100 ppm = 200 us of frequency correction; 2 s · 15 ppm = 30 us of growth.
  // Each end is rounded outward, so it may be 1 ns wider than the exact value.
  const std::int64_t earliest = t + 250'000'000 + 200'000 - 30'000 - 500'000;
  const std::int64_t latest = t + 250'000'000 + 200'000 + 30'000 + 500'000;
  EXPECT_LE(i.earliest_ns, earliest);
  EXPECT_GE(i.earliest_ns, earliest - 1);
  EXPECT_GE(i.latest_ns, latest);
  EXPECT_LE(i.latest_ns, latest + 1);
  EXPECT_LE(std::llabs(i.midpoint_ns() - (t + 250'000'000 + 200'000)), 1);
  EXPECT_LE(std::llabs(i.error_bound_ns() - (530'000)), 1);
  EXPECT_EQ(i.status, BoundedStatus::kSynchronized);
}

TEST(BoundedInterval, BoundNeverShrinksBeforeTheReference) {
  const RecordValue r = record();
  TimeInterval i;
  ASSERT_EQ(bounded_interval(r, r.ref_ns - 5 * kSec, 10 * kSec, i), BoundedError::kOk);
  EXPECT_GE(i.error_bound_ns(), 500'000);
  EXPECT_LE(i.error_bound_ns(), 500'001);  // rounded outward
}

TEST(BoundedInterval, EveryEndIsMonotonicWithinOneRecord) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> freq(-500.0, 500.0);
  std::uniform_real_distribution<double> drift(0.0, 500.0);
  std::uniform_int_distribution<std::int64_t> at(-kSec, 200'000 * kSec);  // up to ~2 days
  for (int trial = 0; trial < 2'000; ++trial) {
    RecordValue r = record();
    r.frequency_ppm = freq(rng);
    r.max_drift_ppm = drift(rng);
    std::int64_t t = r.ref_ns + at(rng);
    TimeInterval prev;
    ASSERT_EQ(bounded_interval(r, t, 1'000'000 * kSec, prev), BoundedError::kOk);
    for (int step = 0; step < 300; ++step) {
      ++t;
      TimeInterval i;
      ASSERT_EQ(bounded_interval(r, t, 1'000'000 * kSec, i), BoundedError::kOk);
      ASSERT_GE(i.earliest_ns, prev.earliest_ns) << "f=" << r.frequency_ppm << " t=" << t;
      ASSERT_GE(i.latest_ns, prev.latest_ns) << "f=" << r.frequency_ppm << " t=" << t;
      ASSERT_GE(i.midpoint_ns(), prev.midpoint_ns()) << "f=" << r.frequency_ppm << " t=" << t;
      ASSERT_LE(i.earliest_ns, i.midpoint_ns());
      ASSERT_LE(i.midpoint_ns(), i.latest_ns);
      prev = i;
    }
  }
}

TEST(BoundedInterval, StaleAfterTheAgeButStillWidening) {
  const RecordValue r = record();
  TimeInterval fresh;
  ASSERT_EQ(bounded_interval(r, r.ref_ns + 10 * kSec, 10 * kSec, fresh), BoundedError::kOk);
  TimeInterval stale;
  ASSERT_EQ(bounded_interval(r, r.ref_ns + 10 * kSec + 1, 10 * kSec, stale), BoundedError::kStale);
  EXPECT_EQ(stale.status, BoundedStatus::kStale);
  TimeInterval later;
  ASSERT_EQ(bounded_interval(r, r.ref_ns + 100 * kSec, 10 * kSec, later), BoundedError::kStale);
  EXPECT_EQ(later.error_bound_ns(), 500'000 + 1'500'000);  // 100 s · 15 ppm
}

TEST(BoundedInterval, UnsynchronizedAndImplausibleRecordsAreErrors) {
  RecordValue r = record();
  r.status = 0;
  TimeInterval i;
  EXPECT_EQ(bounded_interval(r, r.ref_ns, kSec, i), BoundedError::kUnsynchronized);
  EXPECT_EQ(i.status, BoundedStatus::kUnsynchronized);
  r = record();
  r.frequency_ppm = 1e9;
  EXPECT_EQ(bounded_interval(r, r.ref_ns, kSec, i), BoundedError::kBadSegment);
  r = record();
  r.offset_ns = INT64_MAX;
  EXPECT_EQ(bounded_interval(r, r.ref_ns, kSec, i), BoundedError::kBadSegment);
  r = record();
  r.status = 9;
  EXPECT_EQ(bounded_interval(r, r.ref_ns, kSec, i), BoundedError::kBadSegment);
  EXPECT_EQ(bounded_interval(record(), -1, kSec, i), BoundedError::kInvalidArgument);
}

TEST(CommitWait, ReturnsOnceTheTimeIsSurelyPast) {
  const RecordValue r = record();
  std::int64_t now = r.ref_ns;
  const auto read = [&](TimeInterval& i) { return bounded_interval(r, now, 3600 * kSec, i); };
  TimeInterval start;
  ASSERT_EQ(read(start), BoundedError::kOk);
  const std::int64_t t = start.latest_ns;  // a commit timestamp: latest of now()
  std::int64_t waited = 0;
  ASSERT_EQ(commit_wait_with(t, 10 * kSec, read,
                             [&](std::int64_t ns) {
                               now += ns;
                               waited += ns;
                             }),
            BoundedError::kOk);
  TimeInterval end;
  ASSERT_EQ(read(end), BoundedError::kOk);
  EXPECT_GT(end.earliest_ns, t);
  // Spanner: the wait is about two error bounds (give or take the rate terms, ~100 ppm).
  EXPECT_NEAR(static_cast<double>(waited), 2.0 * static_cast<double>(start.error_bound_ns()),
              1'000.0);
}

TEST(CommitWait, GivesUpAtTheLimitOrOnAReadError) {
  const RecordValue r = record();
  std::int64_t now = r.ref_ns;
  const auto read = [&](TimeInterval& i) { return bounded_interval(r, now, 3600 * kSec, i); };
  const auto wait = [&](std::int64_t ns) { now += ns; };
  EXPECT_EQ(commit_wait_with(now + kSec, 1'000'000, read, wait), BoundedError::kTimeout);
  EXPECT_EQ(now, r.ref_ns + 1'000'000);  // waited exactly the limit
  // A writer that stopped: the wait reports stale instead of trusting the record.
  const auto stale_read = [&](TimeInterval& i) { return bounded_interval(r, now, kSec, i); };
  now = r.ref_ns;
  EXPECT_EQ(commit_wait_with(now + 5 * kSec, 100 * kSec, stale_read, wait), BoundedError::kStale);
}

}  // namespace
}  // namespace kairos
