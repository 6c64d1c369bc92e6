// Stress: one writer updating the bounded-clock segment at 10 kHz, readers on both cores.
// Readers must never see a torn record, a midpoint that goes back, or an interval that
// excludes the (system) time the writer's snapshots are honest about. Runs under
// ThreadSanitizer in `make test` (label tsan); each phase lasts about a second.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "kairos/bounded_clock.h"
#include "shm/shm_segment.h"
#include "shm/shm_writer.h"

namespace kairos::shm {
namespace {

constexpr int kReaders = 2;
constexpr auto kPhase = seconds(1);
constexpr auto kWritePeriod = microseconds(100);  // 10 kHz

std::string name(const char* tag) {
  return std::string("/kairos-stress-") + tag + "-" + std::to_string(::getpid());
}

// Runs `write()` every 100 us for one phase on this thread; returns the number of writes.
template <typename Write>
std::uint64_t run_writer(Write&& write) {
  const Clock& clock = SystemClock::instance();
  const MonoTime end = clock.monotonic() + kPhase;
  MonoTime next = clock.monotonic();
  std::uint64_t writes = 0;
  while (clock.monotonic() < end) {
    write(writes++);
    next += kWritePeriod;
    clock.sleep_until(next);
  }
  return writes;
}

TEST(ShmStress, ReadersNeverSeeATornRecord) {
  const std::string n = name("torn");
  Result<std::unique_ptr<ShmSegment>> seg = ShmSegment::create(n, seconds(10));
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  // Readers map the segment themselves, as another process would.
  const int fd = ::shm_open(n.c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  void* p = ::mmap(nullptr, shm_layout::kSegmentSize, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  ASSERT_NE(p, MAP_FAILED);
  const auto* mapped = static_cast<const shm_layout::Segment*>(p);

  // Every field is a function of one counter: a torn copy mixes two counters.
  const auto record_of = [](std::int64_t i) {
    shm_layout::RecordValue r;
    r.ref_ns = 1'000'000'000 + i;
    r.offset_ns = -i;
    r.frequency_ppm = static_cast<double>(i) * 0.5;
    r.error_bound_ns = 3 * i;
    r.max_drift_ppm = static_cast<double>(i) * 0.25;
    r.heartbeat_ns = 1'000'000'000 + 2 * i;
    r.status = static_cast<std::uint8_t>(i % 3);
    r.leap = static_cast<std::uint8_t>(i % 4);
    return r;
  };
  (*seg)->write([&] { return record_of(0); });
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> total_reads{0};
  std::vector<std::thread> readers;
  for (int k = 0; k < kReaders; ++k) {
    readers.emplace_back([&] {
      std::int64_t last = -1;
      std::uint64_t reads = 0;
      while (!done.load(std::memory_order_relaxed)) {
        shm_layout::RecordValue r;
        std::int64_t t = 0;
        if (!shm_layout::try_read(mapped->record, r, t, [] { return std::int64_t{0}; })) continue;
        const std::int64_t i = r.ref_ns - 1'000'000'000;
        const shm_layout::RecordValue want = record_of(i);
        ASSERT_TRUE(r.offset_ns == want.offset_ns && r.frequency_ppm == want.frequency_ppm &&
                    r.error_bound_ns == want.error_bound_ns &&
                    r.max_drift_ppm == want.max_drift_ppm && r.heartbeat_ns == want.heartbeat_ns &&
                    r.status == want.status && r.leap == want.leap)
            << "torn read at counter " << i;
        ASSERT_GE(i, last) << "an older record after a newer one";
        last = i;
        ++reads;
      }
      total_reads += reads;
    });
  }
  const std::uint64_t writes =
      run_writer([&](std::uint64_t i) { (*seg)->write([&] { return record_of(static_cast<std::int64_t>(i)); }); });
  done = true;
  for (auto& t : readers) t.join();
  ::munmap(p, shm_layout::kSegmentSize);
  EXPECT_GT(writes, 1'000u);  // the phase really overlapped many writes
  EXPECT_GT(total_reads.load(), writes);
}

TEST(ShmStress, MidpointNeverGoesBackAndTheIntervalStaysHonest) {
  ShmWriterOptions o;
  o.name = name("mono");
  o.heartbeat_interval = milliseconds(1);
  Result<std::unique_ptr<ShmWriter>> w = ShmWriter::create(o, SystemClock::instance());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // The snapshots are honest about the system clock: offset within ±40 us, bound 50 us.
  const auto snapshot = [](UnixTime ref, Duration offset, double freq_ppm) {
    ClockSnapshot s = local_clock_snapshot(ref, 2);
    s.offset = offset;
    s.frequency_ppm = freq_ppm;
    s.error_bound = microseconds(50);
    s.max_drift_ppm = 100.0;
    return s;
  };
  (*w)->publish(snapshot(SystemClock::instance().realtime(), Duration(0), 0.0));

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> total_reads{0};
  std::vector<std::thread> readers;
  for (int k = 0; k < kReaders; ++k) {
    readers.emplace_back([&] {
      BoundedClock clock(o.name);
      ASSERT_EQ(clock.error(), BoundedError::kOk) << clock.message();
      std::int64_t last_mid = 0;
      std::uint64_t reads = 0;
      while (!done.load(std::memory_order_relaxed)) {
        const std::int64_t before = SystemClock::instance().realtime().time_since_epoch().count();
        TimeInterval i;
        ASSERT_EQ(clock.now(i), BoundedError::kOk);
        const std::int64_t after = SystemClock::instance().realtime().time_since_epoch().count();
        ASSERT_GE(i.midpoint_ns(), last_mid) << "midpoint went back by " << last_mid - i.midpoint_ns();
        ASSERT_LE(i.earliest_ns, i.midpoint_ns());
        ASSERT_LE(i.midpoint_ns(), i.latest_ns);
        ASSERT_LE(i.earliest_ns, after) << "interval is after the true time";
        ASSERT_GE(i.latest_ns, before) << "interval is before the true time";
        last_mid = i.midpoint_ns();
        ++reads;
      }
      total_reads += reads;
    });
  }
  // Random corrections in both directions, frequency changes, and heartbeats.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> offset_us(-40, 40);
  std::uniform_real_distribution<double> freq(-20.0, 20.0);
  const std::uint64_t writes = run_writer([&](std::uint64_t i) {
    if (i % 4 == 3) {
      (*w)->heartbeat();
      return;
    }
    (*w)->publish(snapshot(SystemClock::instance().realtime(), microseconds(offset_us(rng)), freq(rng)));
  });
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(writes, 1'000u);
  EXPECT_GT(total_reads.load(), writes);
}

}  // namespace
}  // namespace kairos::shm
