#include "kairos/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kairos {
namespace {

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock;
  const UnixTime r0 = clock.realtime();
  const MonoTime m0 = clock.monotonic();
  EXPECT_EQ(clock.realtime(), r0);
  clock.advance(milliseconds(1500));
  EXPECT_EQ(clock.realtime() - r0, milliseconds(1500));
  EXPECT_EQ(clock.monotonic() - m0, milliseconds(1500));
  clock.step_realtime(seconds(-10));
  EXPECT_EQ(clock.realtime() - r0, milliseconds(-8500));
  EXPECT_EQ(clock.monotonic() - m0, milliseconds(1500));  // monotonic never steps
  clock.advance(seconds(-1));                              // ignored: time does not go back
  EXPECT_EQ(clock.monotonic() - m0, milliseconds(1500));
}

TEST(ManualClock, SleepUntilReturnsOnceAdvancedPastTheDeadline) {
  ManualClock clock;
  const MonoTime deadline = clock.monotonic() + seconds(5);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.sleep_until(deadline);
    woke = true;
  });
  clock.advance(seconds(4));
  // The sleeper cannot have woken: the deadline is still ahead on this clock.
  EXPECT_FALSE(woke.load());
  clock.advance(seconds(1));
  sleeper.join();  // returns only because the deadline was reached
  EXPECT_TRUE(woke.load());
  EXPECT_GE(clock.monotonic(), deadline);
}

TEST(ShiftedClock, AddsOffsetAndDrift) {
  ManualClock base;
  ShiftedClock shifted(base, milliseconds(250), 100.0);  // +250 ms, 100 ppm fast
  EXPECT_EQ(shifted.realtime() - base.realtime(), milliseconds(250));
  base.advance(seconds(100));  // 100 s at 100 ppm = 10 ms more
  EXPECT_EQ(shifted.realtime() - base.realtime(), milliseconds(260));
  EXPECT_EQ(shifted.monotonic(), base.monotonic());
  // A kernel timestamp taken on the base clock lands on the shifted scale.
  const UnixTime kernel_stamp = base.realtime() - milliseconds(3);
  EXPECT_EQ(shifted.from_system_realtime(kernel_stamp), shifted.realtime() - milliseconds(3));
  EXPECT_EQ(base.from_system_realtime(kernel_stamp), kernel_stamp);
  // Its rate against the system clock, for converting rates (shm records); composed when
  // shifted twice, and passed through by a wrapper.
  EXPECT_EQ(base.rate_vs_system_ppm(), 0.0);
  EXPECT_EQ(shifted.rate_vs_system_ppm(), 100.0);
  ShiftedClock twice(shifted, Duration(0), -50.0);
  EXPECT_NEAR(twice.rate_vs_system_ppm(), 100.0 - 50.0 - 100.0 * 50.0 * 1e-6, 1e-12);
  const ClockWrapper wrapped(shifted);  // wraps `shifted`, not a copy of its base
  EXPECT_EQ(wrapped.rate_vs_system_ppm(), 100.0);
  EXPECT_EQ(wrapped.realtime(), shifted.realtime());
}

TEST(ClockWrapper, OverridingOneMethodKeepsTheRest) {
  ManualClock base;
  struct Late final : ClockWrapper {
    using ClockWrapper::ClockWrapper;
    UnixTime realtime() const override { return target().realtime() - seconds(3); }
  } late(base);
  EXPECT_EQ(base.realtime() - late.realtime(), seconds(3));
  EXPECT_EQ(late.monotonic(), base.monotonic());
}

TEST(SystemClock, ReadsAdvance) {
  const Clock& c = SystemClock::instance();
  const MonoTime a = c.monotonic();
  const MonoTime b = c.monotonic();
  EXPECT_LE(a, b);
  // Realtime is after 2020 on any machine that runs these tests.
  EXPECT_GT(c.realtime(), UnixTime(seconds(1'577'836'800)));
}

}  // namespace
}  // namespace kairos
