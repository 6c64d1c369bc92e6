// FrequencyEstimator: the system clock's rate error (drift), from a weighted least-squares
// line through recent (time, offset) points, with a worst-case error for the estimate.
//
// Units and sign: frequency_ppm is the slope of offset(t) = reference − system in
// parts per million of system time. Positive: the offset grows, i.e. the system clock runs
// SLOW and the virtual clock must run faster (the ClockSnapshot's frequency_ppm sign).
//
// Each point carries the bound of its own offset error (|measured − true| <= error). The
// slope is b = Σ c_i·offset_i with c_i = w_i(t_i − t̄)/Σ w_j(t_j − t̄)², w_i = 1/error_i²,
// so while the true offset is a straight line, |b − b_true| <= Σ |c_i|·error_i: that sum
// is error_ppm. (Wander away from a straight line is the engine's max_drift_ppm.)
// Until the points beat it, the prior (loaded drift file, or 0 ± initial_error_ppm) is
// used; the estimate is clamped to ±max_frequency_ppm.
//
// Thread safety: none (owned by the engine's control loop).
#pragma once

#include <deque>

#include "kairos/time.h"
#include "sync/drift_file.h"

namespace kairos::sync {

struct FrequencyEstimatorConfig {
  int max_points = 32;               // regression window
  double max_frequency_ppm = 500.0;  // |estimate| clamp (ntpd's NTP_MAXFREQ)
  double initial_error_ppm = 500.0;  // error of the 0 ppm prior without a drift file
};

class FrequencyEstimator {
 public:
  explicit FrequencyEstimator(FrequencyEstimatorConfig config = {});

  // Replaces the prior (e.g. from the drift file); keeps the points.
  void load(const DriftState& prior);
  // A measured offset at system time `time`, within ±error of the truth (error > 0).
  void add(UnixTime time, Duration offset, Duration error);
  // The measured clock jumped: forget the points, keep the current estimate as the prior.
  void restart();
  // The system clock stepped by `step` (new − old).
  void shift_system_clock(Duration step);

  double frequency_ppm() const { return frequency_ppm_; }
  double error_ppm() const { return error_ppm_; }
  DriftState state() const { return {frequency_ppm_, error_ppm_}; }
  int points() const { return static_cast<int>(points_.size()); }
  // The time the points added since the last restart cover (latest − earliest), including
  // those already out of the window; 0 with fewer than two.
  Duration history() const { return points_.empty() ? Duration(0) : last_ - first_; }

 private:
  struct Point {
    UnixTime time;
    Duration offset;
    Duration error;
  };
  void refit();

  FrequencyEstimatorConfig config_;
  DriftState prior_;
  std::deque<Point> points_;
  UnixTime first_{};  // earliest and latest point time since the last restart
  UnixTime last_{};
  double frequency_ppm_ = 0.0;
  double error_ppm_ = 0.0;
};

}  // namespace kairos::sync
