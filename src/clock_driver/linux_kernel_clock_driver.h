// LinuxKernelClockDriver: makes the kernel clock K follow the engine's virtual clock V
// (`discipline_system_clock = true`, root only), the way chrony's generic driver does:
// no kernel PLL, the daemon slews by setting the kernel frequency itself.
//
//   start    read the kernel's tick and frequency (so U, the engine scale, is the clock at
//            the nominal rate), zero a PLL offset left by another daemon, cancel an
//            adjtime() slew, switch the kernel PLL/FLL off and mark the clock unsynchronized.
//   apply    gap = V − K at `now`. When the discipline stepped: step K by the gap
//            (ADJ_SETOFFSET, relative and atomic). Then set the kernel rate to V's rate
//            (drift + slew) plus gap / max(residual_horizon, |gap| / max_residual_ppm),
//            so a residual (a step someone else made, frequency rounding) is slewed out;
//            ADJ_TICK carries what exceeds ±500 ppm. STA_UNSYNC and maxerror follow the
//            snapshot's status and bound. The line A records exactly what was set.
//   release  leaves K at the drift estimate.
//
// Every rate change lands up to one kernel tick late: apply() reports
// |Δrate|·rate_change_latency as uncertainty, and the loop widens the bound by it.
//
// Units: rates in ppm; kernel freq in 2^-16 ppm, tick in µs, maxerror in µs.
// Thread safety: as ClockDriver; the line is guarded by a mutex.
#pragma once

#include <mutex>

#include "clock_driver/clock_driver.h"
#include "clock_driver/correction_line.h"
#include "clock_driver/kernel_clock_api.h"

namespace kairos::clock_driver {

struct LinuxKernelClockOptions {
  long nominal_tick_us = 10'000;              // 1e6 / USER_HZ
  Duration residual_horizon = seconds(1024);  // >= the longest time between updates
  double max_residual_ppm = 500.0;
  Duration rate_change_latency = milliseconds(10);  // one tick at HZ = 100
};

class LinuxKernelClockDriver final : public ClockDriver {
 public:
  // `api` must outlive the driver.
  LinuxKernelClockDriver(KernelClockApi& api, LinuxKernelClockOptions options);

  std::string_view name() const override { return "linux-kernel"; }
  Status start(UnixTime engine_now) override;
  Result<ApplyResult> apply(const ClockSnapshot& engine_snapshot, UnixTime now, bool step) override;
  Status release(double base_frequency_ppm, UnixTime engine_now) override;
  UnixTime to_engine_scale(UnixTime system_reading) const override;
  ClockSnapshot to_system_scale(const ClockSnapshot& engine_snapshot) const override;
  Duration correction_at(UnixTime engine_time) const override;
  Duration steps_made() const override;

 private:
  // The kernel's rate (ppm against nominal) for this tick and freq.
  double rate_of(long tick_us, long freq_scaled) const;
  // Sets the kernel rate (and status/maxerror when given); returns the rate set.
  Result<double> set_rate(double rate_ppm, const ClockSnapshot* snapshot);
  Status step(Duration amount);
  CorrectionLine line() const;

  KernelClockApi& api_;
  LinuxKernelClockOptions options_;
  int base_status_ = 0;  // the kernel status bits we keep (PLL/FLL/PPS/UNSYNC cleared)
  mutable std::mutex mu_;
  CorrectionLine line_;  // guarded by mu_
  Duration steps_{0};    // guarded by mu_
};

}  // namespace kairos::clock_driver
