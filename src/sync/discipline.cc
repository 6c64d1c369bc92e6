#include "sync/discipline.h"

#include <algorithm>
#include <cmath>

namespace kairos::sync {

Discipline::Discipline(DisciplineConfig config) : config_(config) {}

Duration Discipline::offset_at(UnixTime t) const {
  return offset_ + from_seconds(to_seconds(t - ref_) * (base_ppm_ + slew_ppm_) * 1e-6);
}

Duration Discipline::remaining_at(UnixTime t) const {
  if (!slewing_at(t)) return Duration(0);
  return from_seconds(std::abs(slew_ppm_) * 1e-6 * to_seconds(slew_end_ - t));
}

void Discipline::shift_system_clock(Duration step) {
  offset_ -= step;
  ref_ += step;
  slew_end_ += step;
}

Correction Discipline::correct(UnixTime now, Duration target, double base_frequency_ppm,
                               bool step_allowed, bool force,
                               std::optional<Duration> step_threshold) {
  Correction c;
  const Duration current = offset_at(now);
  c.amount = target - current;
  const Duration magnitude = c.amount < Duration(0) ? -c.amount : c.amount;
  if (magnitude > config_.panic_threshold && !force) {
    c.kind = CorrectionKind::kRefused;
    return c;
  }
  ref_ = now;
  base_ppm_ = base_frequency_ppm;
  if (magnitude > config_.panic_threshold ||
      (magnitude > step_threshold.value_or(config_.step_threshold) && step_allowed)) {
    c.kind = CorrectionKind::kStep;
    offset_ = target;
    slew_ppm_ = 0.0;
    slew_end_ = now;
    return c;
  }
  c.kind = CorrectionKind::kSlew;
  offset_ = current;
  const double d = to_seconds(c.amount);
  const double duration =
      std::max(std::abs(d) / (config_.max_slew_ppm * 1e-6), to_seconds(config_.min_slew_duration));
  if (d == 0.0 || duration <= 0.0) {
    slew_ppm_ = 0.0;
    slew_end_ = now;
    return c;
  }
  slew_ppm_ = std::clamp(d / duration * 1e6, -config_.max_slew_ppm, config_.max_slew_ppm);
  slew_end_ = now + from_seconds(duration);
  c.slew_ppm = slew_ppm_;
  c.slew_end = slew_end_;
  return c;
}

}  // namespace kairos::sync
