// The kernel driver against a fake kernel: the exact adjtimex fields it sets, and that the
// virtual clock and its bound are the same whether read against the engine's scale or
// the steered system clock.
#include "clock_driver/linux_kernel_clock_driver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "sync/engine.h"
#include "unit/clock_driver/fake_kernel.h"

namespace kairos::clock_driver {
namespace {

using testing::FakeKernel;

const UnixTime kStart(seconds(1'780'000'000));

Duration abs_d(Duration d) { return d < Duration(0) ? -d : d; }

// An engine snapshot: V = U + offset + frequency·(U − ref), synchronized within `bound`.
ClockSnapshot line(UnixTime ref, Duration offset, double frequency_ppm,
                   Duration bound = microseconds(500)) {
  ClockSnapshot s;
  s.system_ref = ref;
  s.offset = offset;
  s.frequency_ppm = frequency_ppm;
  s.error_bound = bound;
  s.max_drift_ppm = 15.0;
  s.status = SyncStatus::kSynchronized;
  return s;
}

struct Started {
  FakeKernel kernel;
  LinuxKernelClockDriver driver{kernel, LinuxKernelClockOptions{}};
  explicit Started(long tick = 10'000, long freq = 0) {
    kernel.tick = tick;
    kernel.freq = freq;
    kernel.status = STA_PLL | STA_NANO;
    kernel.pll_offset = 123'000;
    kernel.singleshot_offset = 0;
    kernel.start_at(kStart);
    EXPECT_TRUE(driver.start(kStart).ok());
  }
};

TEST(LinuxKernelClockDriverTest, StartReadsTheKernelAndSwitchesItsDisciplineOff) {
  Started s(10'001, 20 * 65536);  // another daemon left +120 ppm
  ASSERT_EQ(s.kernel.calls.size(), 4u);
  EXPECT_EQ(s.kernel.calls[0].modes, 0u);  // read only
  EXPECT_EQ(s.kernel.calls[1].modes, static_cast<unsigned>(ADJ_STATUS | ADJ_OFFSET | ADJ_NANO));
  EXPECT_EQ(s.kernel.calls[1].offset, 0);
  EXPECT_TRUE(s.kernel.calls[1].status & STA_PLL);  // the PLL takes ADJ_OFFSET only when on
  EXPECT_EQ(s.kernel.calls[2].modes, static_cast<unsigned>(ADJ_STATUS));
  EXPECT_EQ(s.kernel.calls[2].status & (STA_PLL | STA_FLL), 0);
  EXPECT_TRUE(s.kernel.calls[2].status & STA_UNSYNC);
  EXPECT_EQ(s.kernel.calls[3].modes, static_cast<unsigned>(ADJ_OFFSET_SINGLESHOT));
  EXPECT_EQ(s.kernel.calls[3].offset, 0);
  EXPECT_EQ(s.kernel.pll_offset, 0);
  EXPECT_EQ(s.kernel.status & STA_PLL, 0);
  // The engine scale is the clock at the nominal rate: the kernel's +120 ppm is a
  // correction already handed over.
  EXPECT_EQ(s.driver.correction_at(kStart + seconds(1000)), milliseconds(120));
  EXPECT_EQ(s.driver.to_engine_scale(kStart + seconds(1000) + milliseconds(120)),
            kStart + seconds(1000));
}

TEST(LinuxKernelClockDriverTest, SlewSetsTheKernelRateAndThePublishedOffsetBecomesZero) {
  Started s;
  s.kernel.calls.clear();
  const UnixTime now = kStart + seconds(10);
  s.kernel.set_engine_time(now);
  // Drift +12 ppm plus a slew of +0.5 ppm; the line is continuous (offset 0 at now).
  const ClockSnapshot engine = line(now, Duration(0), 12.5, microseconds(1234) + Duration(500));
  Result<ApplyResult> r = s.driver.apply(engine, now, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(s.kernel.calls.size(), 1u);
  const struct timex& tx = s.kernel.calls[0];
  EXPECT_EQ(tx.modes, static_cast<unsigned>(ADJ_FREQUENCY | ADJ_TICK | ADJ_STATUS | ADJ_MAXERROR));
  EXPECT_EQ(tx.tick, 10'000);
  EXPECT_EQ(tx.freq, 819'200);   // 12.5 ppm · 2^16
  EXPECT_EQ(tx.maxerror, 1235);  // µs, rounded up
  EXPECT_EQ(tx.status & STA_UNSYNC, 0);
  EXPECT_TRUE(tx.status & STA_NANO);  // bits the driver does not own are kept
  EXPECT_FALSE(r->stepped.has_value());
  // |Δrate| · 10 ms.
  EXPECT_EQ(r->uncertainty, Duration(125));
  // Published against K: offset and rate ~0, bound unchanged.
  const ClockSnapshot published = s.driver.to_system_scale(engine);
  EXPECT_LE(abs_d(published.offset), Duration(1));
  EXPECT_LT(std::abs(published.frequency_ppm), 1e-4);
  EXPECT_EQ(published.error_bound, engine.error_bound);
  EXPECT_GE(published.max_drift_ppm, engine.max_drift_ppm);
  // An hour later the kernel clock and the engine's virtual clock agree, and so do the
  // two ways of reading V.
  const UnixTime later = now + hours(1);
  s.kernel.set_engine_time(later);
  const UnixTime k = s.kernel.system_time();
  EXPECT_LE(abs_d(k - engine.virtual_time(later)), Duration(100));
  EXPECT_LE(abs_d(published.virtual_time(k) - engine.virtual_time(later)), Duration(2));
  EXPECT_LE(abs_d(s.driver.to_engine_scale(k) - later), Duration(2));
  // The bound never shrinks by the change of scale (here it grows by 12.5 ppm of 54 ms).
  EXPECT_GE(published.error_bound_at(k) + Duration(1), engine.error_bound_at(later));
  EXPECT_LE(published.error_bound_at(k) - engine.error_bound_at(later), Duration(700));
}

TEST(LinuxKernelClockDriverTest, StepsOnlyWhenTheDisciplineSteppedWithADJ_SETOFFSET) {
  Started s;
  s.kernel.calls.clear();
  const UnixTime now = kStart + seconds(5);
  s.kernel.set_engine_time(now);
  const ClockSnapshot engine = line(now, milliseconds(-1250), 3.0);
  Result<ApplyResult> r = s.driver.apply(engine, now, true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(s.kernel.calls.size(), 2u);
  const struct timex& step = s.kernel.calls[0];
  EXPECT_EQ(step.modes, static_cast<unsigned>(ADJ_SETOFFSET | ADJ_NANO));
  EXPECT_EQ(step.time.tv_sec, -2);  // −1.25 s = −2 s + 0.75 s
  EXPECT_EQ(step.time.tv_usec, 750'000'000);
  EXPECT_EQ(s.kernel.calls[1].freq, 3 * 65536);
  ASSERT_TRUE(r->stepped.has_value());
  EXPECT_EQ(*r->stepped, milliseconds(-1250));
  EXPECT_EQ(s.driver.steps_made(), milliseconds(-1250));
  EXPECT_EQ(s.kernel.system_time(), now - milliseconds(1250));
  EXPECT_LE(abs_d(s.driver.to_system_scale(engine).offset), Duration(1));
  // The engine scale did not move: a step the driver made is no measurement.
  EXPECT_EQ(s.driver.to_engine_scale(s.kernel.system_time()), now);
}

TEST(LinuxKernelClockDriverTest, AResidualIsSlewedNeverSteppedAndTickCarriesAbove500ppm) {
  Started s;
  s.kernel.calls.clear();
  const UnixTime now = kStart + seconds(5);
  s.kernel.set_engine_time(now);
  // V is 1 s ahead of K but the discipline did not step (someone stepped the clock back):
  // 1 s / max(1024 s, 1 s / 500 ppm = 2000 s) = 500 ppm on top of the drift's 12 ppm.
  const ClockSnapshot engine = line(now, seconds(1), 12.0);
  Result<ApplyResult> r = s.driver.apply(engine, now, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(s.kernel.calls.size(), 1u);
  EXPECT_EQ(s.kernel.calls[0].modes & ADJ_SETOFFSET, 0u);
  EXPECT_EQ(s.kernel.calls[0].tick, 10'005);      // +500 ppm
  EXPECT_EQ(s.kernel.calls[0].freq, 12 * 65536);  // the rest
  // The published clock still carries the whole second, so V is unchanged.
  const ClockSnapshot published = s.driver.to_system_scale(engine);
  EXPECT_EQ(published.offset, seconds(1));
  const UnixTime later = now + seconds(100);
  s.kernel.set_engine_time(later);
  EXPECT_LE(abs_d(published.virtual_time(s.kernel.system_time()) - engine.virtual_time(later)),
            Duration(2));
  EXPECT_EQ(s.kernel.system_time() - later, microseconds(51'200));  // 512 ppm · 100 s
}

TEST(LinuxKernelClockDriverTest, UnsynchronizedSetsSTA_UNSYNCAndCapsMaxerror) {
  Started s;
  s.kernel.calls.clear();
  ClockSnapshot engine = line(kStart, Duration(0), 0.0, seconds(40));
  engine.status = SyncStatus::kUnsynchronized;
  ASSERT_TRUE(s.driver.apply(engine, kStart, false).ok());
  EXPECT_TRUE(s.kernel.calls[0].status & STA_UNSYNC);
  EXPECT_EQ(s.kernel.calls[0].maxerror, 16'000'000);
}

TEST(LinuxKernelClockDriverTest, ReleaseLeavesTheKernelAtTheDrift) {
  Started s;
  const UnixTime now = kStart + seconds(5);
  s.kernel.set_engine_time(now);
  ASSERT_TRUE(s.driver.apply(line(now, Duration(0), 212.0), now, false).ok());
  s.kernel.calls.clear();
  ASSERT_TRUE(s.driver.release(12.0, now + seconds(1)).ok());
  ASSERT_EQ(s.kernel.calls.size(), 1u);
  EXPECT_EQ(s.kernel.calls[0].modes, static_cast<unsigned>(ADJ_FREQUENCY | ADJ_TICK));
  EXPECT_EQ(s.kernel.calls[0].freq, 12 * 65536);
}

TEST(LinuxKernelClockDriverTest, KernelErrorsComeBackWithWhatWasAttempted) {
  FakeKernel kernel;
  kernel.fail = Status::Unavailable("adjtimex: Operation not permitted (needs CAP_SYS_TIME)");
  LinuxKernelClockDriver driver(kernel, {});
  const Status st = driver.start(kStart);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("reading the kernel clock state"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("CAP_SYS_TIME"), std::string::npos) << st.message();
  Result<ApplyResult> r = driver.apply(line(kStart, Duration(0), 1.0), kStart, false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("setting the kernel frequency"), std::string::npos);
}

// The whole loop, as the daemon runs it: a machine whose oscillator is 50 ms off and
// 30 ppm fast, a reference answering every 16 s, the real engine (updates after every
// reply and at every slew's end), and the driver steering the fake kernel. The kernel
// clock converges on true time and every published reading contains the truth.
TEST(LinuxKernelClockDriverTest, ClosedLoopTheKernelClockConvergesAndTheBoundHolds) {
  FakeKernel kernel;
  LinuxKernelClockDriver driver(kernel, {});
  sync::EngineConfig config;
  config.minpoll = 4;
  config.maxpoll = 4;
  sync::Engine engine(config);
  auto engine_time = [](UnixTime truth) {  // U: the oscillator, read at the nominal rate
    return truth + milliseconds(50) + from_seconds(to_seconds(truth - kStart) * 30e-6);
  };
  MonoTime mono(seconds(1000));
  kernel.start_at(engine_time(kStart));
  ASSERT_TRUE(driver.start(engine_time(kStart)).ok());
  const sync::SourceId id = *engine.add_source({"ref", 1}, mono);
  int violations = 0, checks = 0, steps = 0;
  ClockSnapshot published;
  UnixTime truth = kStart;
  std::optional<MonoTime> slew_end;
  while (truth - kStart < hours(2)) {
    const MonoTime poll_at = engine.next_poll_at(id);
    const bool is_poll = !slew_end || poll_at <= *slew_end;
    const Duration wait = std::max((is_poll ? poll_at : *slew_end) - mono, Duration(0));
    // Between events, check the published clock against the truth at a few points.
    for (int k = 1; k <= 3 && published.status == SyncStatus::kSynchronized; ++k) {
      const UnixTime t = truth + wait * k / 4;
      kernel.set_engine_time(engine_time(t));
      const UnixTime sys = kernel.system_time();
      ++checks;
      if (abs_d(published.virtual_time(sys) - t) > published.error_bound_at(sys)) ++violations;
    }
    truth += wait;
    mono += wait;
    const UnixTime u = engine_time(truth);
    kernel.set_engine_time(u);
    if (is_poll) {
      (void)engine.on_poll_sent(id, mono);
      (void)engine.on_sample(id, sync::sample_from_reference(u, truth - u, microseconds(20), 1),
                             mono);
    }
    const sync::UpdateResult r = engine.update(mono, u);
    slew_end = r.next_update_at;
    Result<ApplyResult> a = driver.apply(r.snapshot, u, r.stepped);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    if (a->stepped) ++steps;
    if (a->uncertainty > Duration(0)) engine.on_system_clock_step(Duration(0), a->uncertainty);
    published = driver.to_system_scale(engine.snapshot());
    // The kernel runs at the engine's line's rate (drift + slew).
    const double kernel_ppm = static_cast<double>(kernel.tick - 10'000) * 100.0 +
                              static_cast<double>(kernel.freq) / 65536.0;
    EXPECT_NEAR(kernel_ppm, r.snapshot.frequency_ppm, 1e-3);
  }
  EXPECT_EQ(steps, 1);  // the first fix: 50 ms
  EXPECT_GT(checks, 1000);
  EXPECT_EQ(violations, 0);
  EXPECT_LT(abs_d(kernel.system_time() - truth), microseconds(100));
  EXPECT_LT(abs_d(published.offset), microseconds(100));
  EXPECT_LT(std::abs(published.frequency_ppm), 0.01);
  EXPECT_NEAR(engine.drift().frequency_ppm, -30.0, 0.5);
}

}  // namespace
}  // namespace kairos::clock_driver
