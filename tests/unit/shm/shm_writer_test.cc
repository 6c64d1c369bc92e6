// The writer end to end through real shared memory, on a ManualClock: what readers see
// at start, after a publish, across a backward correction, when stale, and at shutdown.
#include "shm/shm_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "kairos/bounded_clock.h"
#include "unit/shm/test_names.h"

namespace kairos::shm {
namespace {

std::int64_t ns(UnixTime t) { return t.time_since_epoch().count(); }

ClockSnapshot synced(UnixTime ref, Duration offset, Duration bound, double drift_ppm) {
  ClockSnapshot s = local_clock_snapshot(ref, 2);
  s.offset = offset;
  s.error_bound = bound;
  s.max_drift_ppm = drift_ppm;
  return s;
}

class ShmWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.name = testing::unique_shm_name("writer");
    options_.stale_after = seconds(5);
    options_.heartbeat_interval = seconds(1);
    Result<std::unique_ptr<ShmWriter>> w = ShmWriter::create(options_, clock_);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    writer_ = std::move(*w);
    ASSERT_EQ(reader_.open(options_.name), BoundedError::kOk) << reader_.message();
  }
  BoundedError read(TimeInterval& i) { return reader_.now_at(ns(clock_.realtime()), i); }

  ManualClock clock_;
  ShmWriterOptions options_;
  std::unique_ptr<ShmWriter> writer_;
  BoundedClock reader_;
};

TEST_F(ShmWriterTest, StartsUnsynchronizedThenPublishesTheSnapshot) {
  TimeInterval i;
  EXPECT_EQ(read(i), BoundedError::kUnsynchronized);
  EXPECT_EQ(i.status, BoundedStatus::kUnsynchronized);
  EXPECT_EQ(reader_.stale_after_ns(), 5'000'000'000);

  writer_->publish(synced(clock_.realtime(), milliseconds(3), microseconds(200), 10.0));
  ASSERT_EQ(read(i), BoundedError::kOk);
  EXPECT_EQ(i.status, BoundedStatus::kSynchronized);
  EXPECT_EQ(i.midpoint_ns(), ns(clock_.realtime() + milliseconds(3)));
  EXPECT_EQ(i.error_bound_ns(), 200'000);
  clock_.advance(seconds(2));
  ASSERT_EQ(read(i), BoundedError::kOk);
  EXPECT_LE(std::llabs(i.error_bound_ns() - (200'000 + 20'000)), 1);  // 2 s · 10 ppm, rounded up
}

TEST_F(ShmWriterTest, ABackwardCorrectionIsSlewedNotStepped) {
  const UnixTime t0 = clock_.realtime();
  writer_->publish(synced(t0, Duration(0), microseconds(100), 0.0));
  TimeInterval before;
  ASSERT_EQ(read(before), BoundedError::kOk);
  // The engine now says the clock is 2 ms ahead: its line steps back 2 ms.
  const ClockSnapshot back = synced(t0, milliseconds(-2), microseconds(100), 0.0);
  writer_->publish(back);
  std::int64_t last_mid = before.midpoint_ns();
  for (int beat = 0; beat < 10; ++beat) {
    for (int k = 0; k < 10; ++k) {
      TimeInterval i;
      ASSERT_EQ(read(i), BoundedError::kOk);
      ASSERT_GE(i.midpoint_ns(), last_mid) << "midpoint went back at beat " << beat;
      last_mid = i.midpoint_ns();
      // Still honest: the published interval covers the engine's own interval.
      const std::int64_t engine_mid = ns(back.virtual_time(clock_.realtime()));
      ASSERT_LE(i.earliest_ns, engine_mid - 100'000);
      ASSERT_GE(i.latest_ns, engine_mid + 100'000);
      clock_.advance(milliseconds(100));
    }
    writer_->heartbeat();
  }
  // 10 heartbeats at up to 500 ppm: 2 ms is slewed out, the bound is back to the engine's.
  TimeInterval after;
  ASSERT_EQ(read(after), BoundedError::kOk);
  EXPECT_EQ(after.midpoint_ns(), ns(back.virtual_time(clock_.realtime())));
  EXPECT_EQ(after.error_bound_ns(), 100'000);
}

TEST_F(ShmWriterTest, ReadersSeeStaleWhenTheHeartbeatStops) {
  writer_->publish(synced(clock_.realtime(), Duration(0), microseconds(100), 20.0));
  clock_.advance(seconds(5));
  TimeInterval i;
  EXPECT_EQ(read(i), BoundedError::kOk);
  writer_->heartbeat();
  clock_.advance(seconds(5) + nanoseconds(1));
  ASSERT_EQ(read(i), BoundedError::kStale);
  EXPECT_EQ(i.status, BoundedStatus::kStale);
  // The bound kept widening at the drift rate from the last record (10 s · 20 ppm; the
  // last nanosecond adds a rounded-up 1 ns).
  EXPECT_EQ(i.error_bound_ns(), 100'000 + 200'001);
}

TEST_F(ShmWriterTest, ShutdownTakesSynchronizedAwayThenRemovesTheName) {
  writer_->publish(synced(clock_.realtime(), Duration(0), microseconds(100), 0.0));
  writer_->shutdown();
  TimeInterval i;
  EXPECT_EQ(read(i), BoundedError::kUnsynchronized);  // a reader that still maps it
  BoundedClock late(options_.name);
  EXPECT_EQ(late.error(), BoundedError::kNoSegment);
  EXPECT_NE(late.message().find("no bounded-clock segment " + options_.name), std::string::npos);
}

TEST(ShmWriterShifted, RecordIsOnTheSystemScale) {
  // The daemon's clock runs 5 s ahead of the system clock (--sim-clock-offset) and its
  // engine believes it is right: readers on the system clock get system + 5 s.
  ManualClock system;
  ShiftedClock shifted(system, seconds(5), 0.0);
  ShmWriterOptions options;
  options.name = testing::unique_shm_name("shifted");
  Result<std::unique_ptr<ShmWriter>> w = ShmWriter::create(options, shifted);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  (*w)->publish(local_clock_snapshot(shifted.realtime(), 3));
  BoundedClock reader(options.name);
  TimeInterval i;
  ASSERT_EQ(reader.now_at(ns(system.realtime()), i), BoundedError::kOk);
  EXPECT_EQ(i.midpoint_ns(), ns(system.realtime() + seconds(5)));
}

TEST(ShmWriterOptions, AreValidated) {
  ManualClock clock;
  ShmWriterOptions o;
  o.name = "kairos";
  EXPECT_EQ(ShmWriter::create(o, clock).status().code(), StatusCode::kInvalidArgument);
  o.name = "/a/b";
  EXPECT_EQ(ShmWriter::create(o, clock).status().code(), StatusCode::kInvalidArgument);
  o.name = testing::unique_shm_name("opts");
  o.stale_after = seconds(1);
  o.heartbeat_interval = seconds(1);
  Status s = ShmWriter::create(o, clock).status();
  EXPECT_NE(s.message().find("must be longer than heartbeat_interval"), std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace kairos::shm
