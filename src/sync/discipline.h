// Discipline: the virtual clock's line and how it moves toward a target offset.
//
// The published line is offset(t) = offset + frequency_ppm·1e-6·(t − ref), t a system
// clock reading (ClockSnapshot's model). A correction d = target − offset(now) is
//   - REFUSED when |d| > panic_threshold unless `force` (ntpd's insane time): the line
//     is left alone;
//   - STEPPED when |d| > step_threshold and stepping is allowed (or forced past panic):
//     the line jumps to the target;
//   - otherwise SLEWED: the line runs at base + slew for T = max(|d|/max_slew_ppm,
//     min_slew_duration), slew = d/T, so |slew| <= max_slew_ppm and the line meets the
//     target line (target + base·(t − now)) at now + T. The caller re-plans at slew_end;
//     until then remaining_at(t) = |slew|·(slew_end − t) is not yet corrected.
//
// Units: ppm of system time; positive frequency makes the virtual clock run faster.
// Thread safety: none (owned by the engine's control loop).
#pragma once

#include <optional>

#include "kairos/time.h"

namespace kairos::sync {

struct DisciplineConfig {
  double max_slew_ppm = 500.0;
  Duration step_threshold = milliseconds(128);
  Duration panic_threshold = seconds(1000);
  Duration min_slew_duration = seconds(1);
};

enum class CorrectionKind { kSlew, kStep, kRefused };

struct Correction {
  CorrectionKind kind = CorrectionKind::kSlew;
  Duration amount{0};     // target − offset(now) before the correction
  double slew_ppm = 0.0;  // kSlew: the rate added on top of the base frequency
  UnixTime slew_end{};    // kSlew: when the line meets the target line
};

class Discipline {
 public:
  explicit Discipline(DisciplineConfig config = {});

  // step_threshold overrides config.step_threshold when given (the first fix).
  Correction correct(UnixTime now, Duration target, double base_frequency_ppm, bool step_allowed,
                     bool force, std::optional<Duration> step_threshold = std::nullopt);
  // The system clock stepped by `step` (new − old): the virtual clock stays continuous.
  void shift_system_clock(Duration step);

  Duration offset_at(UnixTime t) const;
  // Correction not yet applied at t (zero once the slew ends).
  Duration remaining_at(UnixTime t) const;
  bool slewing_at(UnixTime t) const { return slew_ppm_ != 0.0 && t < slew_end_; }

  UnixTime ref() const { return ref_; }
  double frequency_ppm() const { return base_ppm_ + slew_ppm_; }
  double base_frequency_ppm() const { return base_ppm_; }
  double slew_ppm() const { return slew_ppm_; }
  UnixTime slew_end() const { return slew_end_; }

 private:
  DisciplineConfig config_;
  UnixTime ref_{};
  Duration offset_{0};
  double base_ppm_ = 0.0;
  double slew_ppm_ = 0.0;
  UnixTime slew_end_{};
};

}  // namespace kairos::sync
