#include "clock_driver/correction_line.h"

#include <algorithm>

namespace kairos::clock_driver {

Duration CorrectionLine::at(UnixTime engine_time) const {
  return offset + from_seconds(to_seconds(engine_time - ref) * rate_ppm * 1e-6);
}

UnixTime CorrectionLine::to_system(UnixTime engine_time) const {
  return engine_time + at(engine_time);
}

UnixTime CorrectionLine::to_engine(UnixTime system_time) const {
  // K − (ref + offset) = (u − ref)·(1 + rate).
  const Duration since = system_time - (ref + offset);
  return ref + from_seconds(to_seconds(since) / (1.0 + rate_ppm * 1e-6));
}

ClockSnapshot CorrectionLine::to_system(const ClockSnapshot& engine_snapshot) const {
  ClockSnapshot s = engine_snapshot;
  const double k_per_u = 1.0 + rate_ppm * 1e-6;
  s.system_ref = to_system(engine_snapshot.system_ref);
  s.offset = engine_snapshot.offset - at(engine_snapshot.system_ref);
  // d(V − K)/dK = (dV/dU − dK/dU) / (dK/dU).
  s.frequency_ppm = (engine_snapshot.frequency_ppm - rate_ppm) / k_per_u;
  // The bound grows per U-second; a K-second is k_per_u U-seconds' worth of K. Never
  // publish less than the engine's own rate.
  s.max_drift_ppm = engine_snapshot.max_drift_ppm / std::min(k_per_u, 1.0);
  return s;
}

}  // namespace kairos::clock_driver
