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

std::string reference_id_text(std::uint32_t reference_id, std::uint8_t stratum) {
  std::string out;
  if (stratum <= 1) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      const auto c = static_cast<char>((reference_id >> shift) & 0xff);
      if (c == '\0') break;
      out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
  }
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((reference_id >> shift) & 0xff);
    if (shift > 0) out += '.';
  }
  return out;
}

const char* sync_status_name(SyncStatus status) {
  switch (status) {
    case SyncStatus::kUnsynchronized: return "unsynchronized";
    case SyncStatus::kSynchronized: return "synchronized";
    case SyncStatus::kFreeRunning: return "free-running";
    case SyncStatus::kStale: return "stale";
  }
  return "unknown";
}

}  // namespace kairos
