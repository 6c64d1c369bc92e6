#include "shm/record_builder.h"

#include <algorithm>
#include <cmath>

namespace kairos::shm {
namespace {

bool synchronized(std::uint8_t status) {
  return status == static_cast<std::uint8_t>(SyncStatus::kSynchronized) ||
         status == static_cast<std::uint8_t>(SyncStatus::kFreeRunning);
}

double clamp_rate(double ppm, double lo, double hi) {
  if (!std::isfinite(ppm)) return hi;
  return std::clamp(ppm, lo, hi);
}

std::int64_t clamp_ns(std::int64_t ns, std::int64_t lo) {
  return std::clamp(ns, lo, shm_layout::kMaxMagnitudeNs - 1);
}

}  // namespace

static_assert(static_cast<int>(SyncStatus::kStale) == static_cast<int>(BoundedStatus::kStale));
static_assert(static_cast<int>(SyncStatus::kFreeRunning) ==
              static_cast<int>(BoundedStatus::kFreeRunning));

shm_layout::RecordValue build_record(const ClockSnapshot& snapshot, UnixTime at_system,
                                     UnixTime at_clock, double clock_rate_ppm,
                                     const shm_layout::RecordValue* prev,
                                     Duration slew_horizon) {
  shm_layout::RecordValue r;
  const std::int64_t p = at_system.time_since_epoch().count();
  r.ref_ns = p;
  r.heartbeat_ns = p;
  r.offset_ns = clamp_ns((snapshot.virtual_time(at_clock) - at_system).count(),
                         -shm_layout::kMaxMagnitudeNs + 1);
  r.error_bound_ns = clamp_ns(snapshot.error_bound_at(at_clock).count(), 0);
  // Per system second the daemon's clock moves 1 + clock_rate seconds, and the virtual
  // clock 1 + frequency of those: the line's rate on the system scale composes the two
  // (a shifted test clock drifting 60 ppm otherwise left readers 60 us off per second).
  const double scale = 1.0 + clock_rate_ppm * 1e-6;
  const double frequency =
      snapshot.frequency_ppm + clock_rate_ppm + snapshot.frequency_ppm * clock_rate_ppm * 1e-6;
  r.frequency_ppm = clamp_rate(frequency, -kMaxFrequencyPpm, kMaxFrequencyPpm);
  r.max_drift_ppm = clamp_rate(snapshot.max_drift_ppm * scale, 0.0, kMaxDriftPpm);
  r.status = static_cast<std::uint8_t>(snapshot.status);
  r.leap = static_cast<std::uint8_t>(snapshot.leap);

  if (prev == nullptr || !synchronized(prev->status) || !synchronized(r.status) ||
      !shm_layout::plausible(*prev)) {
    return r;
  }
  std::int64_t e = 0;
  std::int64_t l = 0;
  shm_layout::interval_at(*prev, p, e, l);
  const std::int64_t shown = shm_layout::midpoint_of(e, l);
  const std::int64_t delta = shown - (p + r.offset_ns);
  if (delta <= 0) return r;
  // Readers already saw `shown`: start there, cover the gap, slew toward the snapshot.
  r.offset_ns += delta;
  r.error_bound_ns = clamp_ns(r.error_bound_ns + delta, 0);
  const double horizon_ns = std::max(1.0, static_cast<double>(slew_horizon.count()));
  const double slew_ppm = std::min(kMaxSlewPpm, static_cast<double>(delta) / horizon_ns * 1e6);
  r.frequency_ppm -= slew_ppm;
  r.max_drift_ppm += slew_ppm;
  return r;
}

}  // namespace kairos::shm
