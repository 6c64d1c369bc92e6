#include "sim/sim_clock.h"

#include <cmath>

namespace kairos::sim {

SimClock::SimClock(UnixTime start, Duration offset, double drift_ppm, double wander_ppm, Rng rng)
    : start_(start),
      now_(start),
      next_wander_(start + seconds(1)),
      offset_(offset),
      frequency_ppm_(drift_ppm),
      wander_step_ppm_(wander_ppm / std::sqrt(3600.0)),
      rng_(rng) {}

void SimClock::integrate(Duration dt) {
  phase_ns_ += static_cast<double>(dt.count()) * frequency_ppm_ * 1e-6;
}

void SimClock::advance_to(UnixTime t) {
  if (t <= now_) return;
  if (wander_step_ppm_ > 0.0) {
    while (next_wander_ <= t) {
      integrate(next_wander_ - now_);
      now_ = next_wander_;
      frequency_ppm_ += wander_step_ppm_ * rng_.normal();
      next_wander_ += seconds(1);
    }
  }
  integrate(t - now_);
  now_ = t;
}

UnixTime SimClock::system() const {
  return now_ + offset_ + steps_ + Duration(std::llround(phase_ns_));
}

MonoTime SimClock::mono() const {
  return kMonoStart + (now_ - start_) + Duration(std::llround(phase_ns_));
}

UnixTime SimClock::true_time_of_mono(MonoTime m) const {
  const MonoTime mono_now = mono();
  if (m <= mono_now) return now_;
  const double dt_ns = static_cast<double>((m - mono_now).count()) / (1.0 + frequency_ppm_ * 1e-6);
  return now_ + Duration(static_cast<std::int64_t>(std::ceil(dt_ns)) + 1);
}

}  // namespace kairos::sim
