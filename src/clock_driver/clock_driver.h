// ClockDriver: applies the sync engine's discipline to a clock (DESIGN.md, clock_driver).
//
// The engine disciplines a virtual clock V = U + offset(U) on its own scale U (see
// correction_line.h). After every engine update the control loop hands the driver the
// engine's line; the driver decides what the system clock K does:
//   - VirtualClockDriver (the default) touches nothing: K = U, and the published snapshot
//     carries the whole correction (V − K = offset).
//   - LinuxKernelClockDriver (root, `discipline_system_clock = true`) steers K with
//     adjtimex so that K follows V: the published snapshot's offset relative to K is ~0.
// Either way the loop publishes to_system_scale(engine snapshot), so every reader of K
// computes the same V, within the same bound.
//
// Thread safety: apply(), release() on the control loop's thread only; to_engine_scale(),
// to_system_scale() and correction_at() from any thread (sources read the clock on worker
// threads).
#pragma once

#include <optional>
#include <string_view>

#include "kairos/clock_snapshot.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::clock_driver {

struct ApplyResult {
  // The hand-over's own timing uncertainty (a rate change lands up to a kernel tick late):
  // the loop widens the engine's bound by it, as for a system clock step of 0 ± this.
  Duration uncertainty{0};
  // Set when the system clock was stepped by this much (new − old).
  std::optional<Duration> stepped;
};

class ClockDriver {
 public:
  virtual ~ClockDriver() = default;

  // "virtual" or "linux-kernel", for logs and status.
  virtual std::string_view name() const = 0;

  // Takes over the clock (reads its state, switches off other disciplines). Errors name
  // what the kernel refused.
  virtual Status start(UnixTime engine_now) = 0;

  // The engine's snapshot after an update at engine-scale time `now`; `step` is set when
  // the discipline stepped in this update (only then may the driver step the clock).
  virtual Result<ApplyResult> apply(const ClockSnapshot& engine_snapshot, UnixTime now,
                                    bool step) = 0;

  // The loop stops: the clock is left running at the drift estimate (no slew in flight).
  virtual Status release(double base_frequency_ppm, UnixTime engine_now) = 0;

  // A reading of the system clock (or a kernel timestamp) on the engine's scale.
  virtual UnixTime to_engine_scale(UnixTime system_reading) const = 0;
  // The engine's snapshot re-expressed against the system clock, for publishing.
  virtual ClockSnapshot to_system_scale(const ClockSnapshot& engine_snapshot) const = 0;
  // A(u): the correction handed to the system clock by engine-scale time u.
  virtual Duration correction_at(UnixTime engine_time) const = 0;
  // The sum of the steps this driver made (so the loop's step watch ignores them).
  virtual Duration steps_made() const = 0;
};

// The default: the virtual clock only; the system clock is never touched.
class VirtualClockDriver final : public ClockDriver {
 public:
  std::string_view name() const override { return "virtual"; }
  Status start(UnixTime) override { return Status::Ok(); }
  Result<ApplyResult> apply(const ClockSnapshot&, UnixTime, bool) override { return ApplyResult{}; }
  Status release(double, UnixTime) override { return Status::Ok(); }
  UnixTime to_engine_scale(UnixTime system_reading) const override { return system_reading; }
  ClockSnapshot to_system_scale(const ClockSnapshot& s) const override { return s; }
  Duration correction_at(UnixTime) const override { return Duration(0); }
  Duration steps_made() const override { return Duration(0); }
};

}  // namespace kairos::clock_driver
