// EngineScaleClock: the system clock as the sync engine must see it, U = K − A(K) (see
// correction_line.h): realtime() and kernel timestamps are mapped through the driver, so
// what the driver did to the system clock never looks like a measurement. With the
// virtual driver it is the target clock itself. Monotonic time passes through unchanged.
// rate_vs_system_ppm() is the target's: the driver's rate corrections are not in it (the
// daemon publishes on the system scale through the driver, ClockDriver::to_system_scale).
//
// Thread safety: as the target clock and the driver's to_engine_scale (any thread).
#pragma once

#include "clock_driver/clock_driver.h"
#include "kairos/clock.h"

namespace kairos::clock_driver {

class EngineScaleClock final : public ClockWrapper {
 public:
  // `target` and `driver` must outlive this clock.
  EngineScaleClock(const Clock& target, const ClockDriver& driver)
      : ClockWrapper(target), driver_(driver) {}
  UnixTime realtime() const override { return driver_.to_engine_scale(target().realtime()); }
  UnixTime from_system_realtime(UnixTime system_reading) const override {
    return driver_.to_engine_scale(target().from_system_realtime(system_reading));
  }

 private:
  const ClockDriver& driver_;
};

}  // namespace kairos::clock_driver
