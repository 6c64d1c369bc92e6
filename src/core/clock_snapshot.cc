#include "kairos/clock_snapshot.h"

namespace kairos {

ClockSnapshot local_clock_snapshot(UnixTime now, std::uint8_t stratum) {
  ClockSnapshot s;
  s.system_ref = now;
  s.offset = Duration(0);
  s.frequency_ppm = 0.0;
  s.error_bound = microseconds(1);
  s.max_drift_ppm = 0.0;  // the local clock is its own reference: no drift against itself
  s.stratum = stratum;
  s.reference_id = refid_from_ascii("LOCL");
  s.root_delay = Duration(0);
  s.root_dispersion = microseconds(1);
  s.reference_time = NtpTimestamp::from_unix(now);
  s.leap = Leap::kNone;
  s.status = SyncStatus::kSynchronized;
  return s;
}

}  // namespace kairos
