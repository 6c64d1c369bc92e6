#include "kairos/seqlock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kairos/clock_snapshot.h"

namespace kairos {
namespace {

// Every field equal to the same counter: a torn read would mix two counters.
struct Record {
  std::uint64_t a, b, c, d, e;
};

TEST(Seqlock, StoresAndLoads) {
  Seqlock<Record> cell;
  EXPECT_EQ(cell.load().a, 0u);
  cell.store({1, 1, 1, 1, 1});
  EXPECT_EQ(cell.load().e, 1u);
  EXPECT_EQ(cell.sequence(), 4u);  // constructor store + one store
}

TEST(Seqlock, ReadersNeverSeeATornOrOlderRecord) {
  Seqlock<Record> cell;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t i = 1; i <= 200'000; ++i) cell.store({i, i, i, i, i});
    done = true;
  });
  std::uint64_t last = 0;
  std::uint64_t reads = 0;
  while (!done.load()) {
    const Record r = cell.load();
    ASSERT_TRUE(r.a == r.b && r.b == r.c && r.c == r.d && r.d == r.e) << "torn read at " << r.a;
    ASSERT_GE(r.a, last) << "went backwards";
    last = r.a;
    ++reads;
  }
  writer.join();
  EXPECT_EQ(cell.load().a, 200'000u);
  EXPECT_GT(reads, 0u);
}

TEST(ClockSnapshot, VirtualTimeAndBoundFollowTheLine) {
  ClockSnapshot s;
  s.system_ref = UnixTime(seconds(1'000));
  s.offset = milliseconds(250);
  s.frequency_ppm = 100.0;
  s.error_bound = microseconds(500);
  s.max_drift_ppm = 15.0;
  const UnixTime t = s.system_ref + seconds(10);
  EXPECT_EQ(s.virtual_time(t), t + milliseconds(250) + milliseconds(1));  // 10 s · 100 ppm
  EXPECT_EQ(s.error_bound_at(t), microseconds(500) + microseconds(150));  // 10 s · 15 ppm
  EXPECT_EQ(s.error_bound_at(s.system_ref - seconds(5)), microseconds(500));
}

TEST(ClockSnapshot, LocalClockIsSynchronizedAtItsStratum) {
  const ClockSnapshot s = local_clock_snapshot(UnixTime(seconds(5)), 10);
  EXPECT_EQ(s.stratum, 10);
  EXPECT_EQ(s.reference_id, 0x4c4f434cu);  // "LOCL"
  EXPECT_EQ(s.status, SyncStatus::kSynchronized);
  EXPECT_EQ(s.virtual_time(UnixTime(seconds(7))), UnixTime(seconds(7)));
}

TEST(ClockSnapshot, ReferenceIdText) {
  EXPECT_EQ(reference_id_text(refid_from_ascii("GPS\0"), 1), "GPS");
  EXPECT_EQ(reference_id_text(refid_from_ascii("LOCL"), 0), "LOCL");
  EXPECT_EQ(reference_id_text(0x7f000001, 3), "127.0.0.1");
  EXPECT_STREQ(sync_status_name(SyncStatus::kFreeRunning), "free-running");
}

}  // namespace
}  // namespace kairos
