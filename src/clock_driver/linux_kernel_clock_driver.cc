#include "clock_driver/linux_kernel_clock_driver.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace kairos::clock_driver {
namespace {

constexpr double kFreqScale = 65536.0;    // timex.freq is ppm · 2^16
constexpr double kMaxFreqPpm = 500.0;     // the kernel's MAXFREQ
constexpr long kMaxErrorUs = 16'000'000;  // NTP_PHASE_LIMIT: beyond it the kernel says unsync
constexpr int kDisciplineBits =
    STA_PLL | STA_PPSFREQ | STA_PPSTIME | STA_FLL | STA_UNSYNC | STA_FREQHOLD;

Duration abs_duration(Duration d) { return d < Duration(0) ? -d : d; }

}  // namespace

LinuxKernelClockDriver::LinuxKernelClockDriver(KernelClockApi& api, LinuxKernelClockOptions options)
    : api_(api), options_(options) {}

double LinuxKernelClockDriver::rate_of(long tick_us, long freq_scaled) const {
  const double tick_ppm = 1e6 / static_cast<double>(options_.nominal_tick_us);
  return static_cast<double>(tick_us - options_.nominal_tick_us) * tick_ppm +
         static_cast<double>(freq_scaled) / kFreqScale;
}

Status LinuxKernelClockDriver::start(UnixTime engine_now) {
  struct timex tx {};
  tx.modes = 0;  // read only
  Result<int> read = api_.adjtimex(tx);
  if (!read.ok()) return read.status().WithContext("reading the kernel clock state");
  base_status_ = tx.status & ~kDisciplineBits;
  const double rate = rate_of(tx.tick, tx.freq);
  // A PLL offset left by another daemon would keep being applied: zero it (the kernel
  // takes ADJ_OFFSET only with the PLL on), then switch the PLL off.
  struct timex zero {};
  zero.modes = ADJ_STATUS | ADJ_OFFSET | ADJ_NANO;
  zero.status = base_status_ | STA_PLL | STA_UNSYNC;
  zero.offset = 0;
  if (Result<int> r = api_.adjtimex(zero); !r.ok()) {
    return r.status().WithContext("zeroing the kernel PLL offset");
  }
  struct timex off {};
  off.modes = ADJ_STATUS;
  off.status = base_status_ | STA_UNSYNC;
  if (Result<int> r = api_.adjtimex(off); !r.ok()) {
    return r.status().WithContext("switching the kernel PLL off");
  }
  // An adjtime(3) slew in progress would move the clock behind our back: cancel it.
  struct timex cancel {};
  cancel.modes = ADJ_OFFSET_SINGLESHOT;
  cancel.offset = 0;
  if (Result<int> r = api_.adjtimex(cancel); !r.ok()) {
    return r.status().WithContext("cancelling an adjtime slew");
  }
  std::lock_guard lock(mu_);
  line_ = CorrectionLine{engine_now, Duration(0), rate};
  steps_ = Duration(0);
  return Status::Ok();
}

Result<double> LinuxKernelClockDriver::set_rate(double rate_ppm, const ClockSnapshot* snapshot) {
  const double tick_ppm = 1e6 / static_cast<double>(options_.nominal_tick_us);
  const long max_tick_delta = options_.nominal_tick_us / 10;  // the kernel allows ±10 %
  long tick_delta = 0;
  if (std::abs(rate_ppm) > kMaxFreqPpm) {
    tick_delta = std::clamp(static_cast<long>(std::trunc(rate_ppm / tick_ppm)), -max_tick_delta,
                            max_tick_delta);
  }
  const double rest =
      std::clamp(rate_ppm - static_cast<double>(tick_delta) * tick_ppm, -kMaxFreqPpm, kMaxFreqPpm);
  struct timex tx {};
  tx.modes = ADJ_FREQUENCY | ADJ_TICK;
  tx.tick = options_.nominal_tick_us + tick_delta;
  tx.freq = std::lround(rest * kFreqScale);
  if (snapshot != nullptr) {
    tx.modes |= ADJ_STATUS | ADJ_MAXERROR;
    const bool unsync = snapshot->status == SyncStatus::kUnsynchronized;
    tx.status = base_status_ | (unsync ? STA_UNSYNC : 0);
    const std::int64_t bound_us = (snapshot->error_bound.count() + 999) / 1000;
    tx.maxerror = static_cast<long>(std::clamp<std::int64_t>(bound_us, 0, kMaxErrorUs));
  }
  Result<int> r = api_.adjtimex(tx);
  if (!r.ok()) return r.status().WithContext("setting the kernel frequency");
  return rate_of(options_.nominal_tick_us + tick_delta, std::lround(rest * kFreqScale));
}

Status LinuxKernelClockDriver::step(Duration amount) {
  // ADJ_SETOFFSET adds `time` to the clock atomically: no read-then-set race.
  std::int64_t sec = amount.count() / 1'000'000'000;
  std::int64_t nsec = amount.count() % 1'000'000'000;
  if (nsec < 0) {
    nsec += 1'000'000'000;
    sec -= 1;
  }
  struct timex tx {};
  tx.modes = ADJ_SETOFFSET | ADJ_NANO;
  tx.time.tv_sec = static_cast<time_t>(sec);
  tx.time.tv_usec = static_cast<suseconds_t>(nsec);  // nanoseconds under ADJ_NANO
  Result<int> r = api_.adjtimex(tx);
  if (!r.ok()) return r.status().WithContext("stepping the kernel clock");
  return Status::Ok();
}

Result<ApplyResult> LinuxKernelClockDriver::apply(const ClockSnapshot& engine_snapshot,
                                                  UnixTime now, bool step_allowed) {
  ApplyResult result;
  CorrectionLine current = line();
  Duration gap = (engine_snapshot.virtual_time(now) - now) - current.at(now);  // V − K
  Duration applied = current.at(now);
  if (step_allowed && gap != Duration(0)) {
    if (Status s = step(gap); !s.ok()) return s;
    applied += gap;
    result.stepped = gap;
    {
      std::lock_guard lock(mu_);
      steps_ += gap;
      line_ = CorrectionLine{now, applied, current.rate_ppm};
    }
    gap = Duration(0);
  }
  const double horizon_s =
      std::max(to_seconds(options_.residual_horizon),
               to_seconds(abs_duration(gap)) / (options_.max_residual_ppm * 1e-6));
  const double residual_ppm = horizon_s > 0.0 ? to_seconds(gap) / horizon_s * 1e6 : 0.0;
  Result<double> rate = set_rate(engine_snapshot.frequency_ppm + residual_ppm, &engine_snapshot);
  if (!rate.ok()) return rate.status();
  result.uncertainty = from_seconds(std::abs(*rate - current.rate_ppm) * 1e-6 *
                                    to_seconds(options_.rate_change_latency));
  std::lock_guard lock(mu_);
  line_ = CorrectionLine{now, applied, *rate};
  return result;
}

Status LinuxKernelClockDriver::release(double base_frequency_ppm, UnixTime engine_now) {
  const CorrectionLine current = line();
  Result<double> rate = set_rate(base_frequency_ppm, nullptr);
  if (!rate.ok()) return rate.status();
  std::lock_guard lock(mu_);
  line_ = CorrectionLine{engine_now, current.at(engine_now), *rate};
  return Status::Ok();
}

CorrectionLine LinuxKernelClockDriver::line() const {
  std::lock_guard lock(mu_);
  return line_;
}

UnixTime LinuxKernelClockDriver::to_engine_scale(UnixTime system_reading) const {
  return line().to_engine(system_reading);
}

ClockSnapshot LinuxKernelClockDriver::to_system_scale(const ClockSnapshot& engine_snapshot) const {
  return line().to_system(engine_snapshot);
}

Duration LinuxKernelClockDriver::correction_at(UnixTime engine_time) const {
  return line().at(engine_time);
}

Duration LinuxKernelClockDriver::steps_made() const {
  std::lock_guard lock(mu_);
  return steps_;
}

}  // namespace kairos::clock_driver
