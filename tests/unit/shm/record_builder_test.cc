// build_record: the snapshot re-anchored at the write, and no step back of the midpoint.
#include "shm/record_builder.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include <limits>

namespace kairos::shm {
namespace {

const UnixTime kT0 = UnixTime(seconds(1'800'000'000));

ClockSnapshot snapshot(Duration offset, double freq_ppm) {
  ClockSnapshot s = local_clock_snapshot(kT0, 2);
  s.offset = offset;
  s.frequency_ppm = freq_ppm;
  s.error_bound = microseconds(10);
  s.max_drift_ppm = 15.0;
  return s;
}

std::int64_t mid(const shm_layout::RecordValue& r, UnixTime t) {
  TimeInterval i;
  EXPECT_EQ(bounded_interval(r, t.time_since_epoch().count(), INT64_MAX / 4, i),
            BoundedError::kOk);
  return i.midpoint_ns();
}

TEST(BuildRecord, ReanchorsTheSnapshotAtTheWrite) {
  const ClockSnapshot s = snapshot(milliseconds(1), 100.0);
  const UnixTime at = kT0 + seconds(10);
  const shm_layout::RecordValue r = build_record(s, at, at, 0.0, nullptr, seconds(1));
  EXPECT_EQ(r.ref_ns, at.time_since_epoch().count());
  EXPECT_EQ(r.heartbeat_ns, r.ref_ns);
  EXPECT_EQ(r.offset_ns, 1'000'000 + 1'000'000);             // 1 ms + 10 s · 100 ppm
  EXPECT_EQ(r.error_bound_ns, 10'000 + 150'000);             // 10 us + 10 s · 15 ppm
  EXPECT_EQ(r.frequency_ppm, 100.0);
  EXPECT_EQ(r.status, 1);
  const std::int64_t want = (at + seconds(1) + microseconds(2'100)).time_since_epoch().count();
  EXPECT_LE(std::llabs(mid(r, at + seconds(1)) - want), 1);  // ends are rounded outward
}

// A daemon whose clock runs 60 ppm fast (a shifted test clock): its line's rate, on the
// system scale readers use, is the clock's and the line's composed. Readers then follow
// the daemon's virtual clock however old the record is (they used to drift 60 us/s away).
TEST(BuildRecord, RatesAreConvertedToTheSystemScale) {
  const ClockSnapshot s = snapshot(milliseconds(1), -59.0);  // corrects most of the 60 ppm
  const UnixTime at_system = kT0 + seconds(10);
  const Duration shift = milliseconds(-42);
  const UnixTime at_clock = at_system + shift;
  const shm_layout::RecordValue r = build_record(s, at_system, at_clock, 60.0, nullptr, seconds(1));
  EXPECT_NEAR(r.frequency_ppm, -59.0 + 60.0 - 59.0 * 60.0 * 1e-6, 1e-9);
  EXPECT_NEAR(r.max_drift_ppm, 15.0 * (1 + 60e-6), 1e-9);
  // 100 s later on the system clock the daemon's clock has moved 100 s · (1 + 60 ppm).
  const UnixTime later_system = at_system + seconds(100);
  const UnixTime later_clock = at_clock + seconds(100) + microseconds(6'000);
  const std::int64_t want = s.virtual_time(later_clock).time_since_epoch().count();
  EXPECT_LE(std::llabs(mid(r, later_system) - want), 2);
}

TEST(BuildRecord, ForwardCorrectionsAreTakenAsIs) {
  const shm_layout::RecordValue prev = build_record(snapshot(Duration(0), 0.0), kT0, kT0, 0.0, nullptr, seconds(1));
  const UnixTime at = kT0 + seconds(1);
  const shm_layout::RecordValue r = build_record(snapshot(milliseconds(5), 0.0), at, at, 0.0, &prev, seconds(1));
  EXPECT_EQ(r.offset_ns, 5'000'000);
  EXPECT_EQ(r.error_bound_ns, 10'000 + 15'000);
}

TEST(BuildRecord, BackwardCorrectionsStartFromWhatReadersSaw) {
  const shm_layout::RecordValue prev = build_record(snapshot(Duration(0), 0.0), kT0, kT0, 0.0, nullptr, seconds(1));
  const UnixTime at = kT0 + seconds(1);
  const std::int64_t shown = mid(prev, at);
  const shm_layout::RecordValue r =
      build_record(snapshot(microseconds(-100), 0.0), at, at, 0.0, &prev, seconds(1));
  EXPECT_EQ(mid(r, at), shown);
  EXPECT_EQ(r.error_bound_ns, 10'000 + 15'000 + 100'000);  // covers the gap
  EXPECT_DOUBLE_EQ(r.frequency_ppm, -100.0);  // 100 us over the 1 s horizon
  EXPECT_DOUBLE_EQ(r.max_drift_ppm, 115.0);
  // A large step back is slewed at most at kMaxSlewPpm.
  const shm_layout::RecordValue big = build_record(snapshot(seconds(-1), 0.0), at, at, 0.0, &prev, seconds(1));
  EXPECT_DOUBLE_EQ(big.frequency_ppm, -kMaxSlewPpm);
}

TEST(BuildRecord, AFirstSyncMayStep) {
  ClockSnapshot unsync = snapshot(Duration(0), 0.0);
  unsync.status = SyncStatus::kUnsynchronized;
  const shm_layout::RecordValue prev = build_record(unsync, kT0, kT0, 0.0, nullptr, seconds(1));
  const shm_layout::RecordValue r = build_record(snapshot(seconds(-3), 0.0), kT0, kT0, 0.0, &prev, seconds(1));
  EXPECT_EQ(r.offset_ns, -3'000'000'000);
  EXPECT_EQ(r.error_bound_ns, 10'000);
}

TEST(BuildRecord, RatesAreClampedIntoTheReadersRange) {
  ClockSnapshot s = snapshot(Duration(0), 1e12);
  s.max_drift_ppm = std::numeric_limits<double>::infinity();
  const shm_layout::RecordValue r = build_record(s, kT0, kT0, 0.0, nullptr, seconds(1));
  EXPECT_EQ(r.frequency_ppm, kMaxFrequencyPpm);
  EXPECT_EQ(r.max_drift_ppm, kMaxDriftPpm);
  EXPECT_TRUE(shm_layout::plausible(r));
}

}  // namespace
}  // namespace kairos::shm
