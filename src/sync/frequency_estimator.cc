#include "sync/frequency_estimator.h"

#include <algorithm>
#include <cmath>

namespace kairos::sync {

FrequencyEstimator::FrequencyEstimator(FrequencyEstimatorConfig config)
    : config_(config), prior_{0.0, config.initial_error_ppm} {
  refit();
}

void FrequencyEstimator::load(const DriftState& prior) {
  prior_ = prior;
  refit();
}

void FrequencyEstimator::add(UnixTime time, Duration offset, Duration error) {
  first_ = points_.empty() ? time : std::min(first_, time);
  last_ = points_.empty() ? time : std::max(last_, time);
  points_.push_back({time, offset, std::max(error, Duration(1))});
  while (static_cast<int>(points_.size()) > std::max(config_.max_points, 2)) points_.pop_front();
  refit();
}

void FrequencyEstimator::restart() {
  prior_ = state();
  points_.clear();
  refit();
}

void FrequencyEstimator::shift_system_clock(Duration step) {
  for (Point& p : points_) {
    p.time += step;
    p.offset -= step;
  }
  first_ += step;
  last_ += step;
}

void FrequencyEstimator::refit() {
  frequency_ppm_ = prior_.frequency_ppm;
  error_ppm_ = prior_.error_ppm;
  if (points_.size() >= 2) {
    const UnixTime origin = points_.front().time;
    double sw = 0.0, swt = 0.0, swy = 0.0;
    for (const Point& p : points_) {
      const double e = to_seconds(p.error);
      const double w = 1.0 / (e * e);
      sw += w;
      swt += w * to_seconds(p.time - origin);
      swy += w * to_seconds(p.offset);
    }
    const double t_mean = swt / sw;
    const double y_mean = swy / sw;
    double stt = 0.0, sty = 0.0;
    for (const Point& p : points_) {
      const double e = to_seconds(p.error);
      const double w = 1.0 / (e * e);
      const double dt = to_seconds(p.time - origin) - t_mean;
      stt += w * dt * dt;
      sty += w * dt * (to_seconds(p.offset) - y_mean);
    }
    if (stt > 0.0) {
      double worst = 0.0;  // Σ |c_i|·error_i, in s/s
      for (const Point& p : points_) {
        const double e = to_seconds(p.error);
        const double dt = to_seconds(p.time - origin) - t_mean;
        worst += std::abs(dt / (e * e) / stt) * e;
      }
      const double slope_ppm = sty / stt * 1e6;
      if (worst * 1e6 < error_ppm_ && std::isfinite(slope_ppm)) {
        frequency_ppm_ = slope_ppm;
        error_ppm_ = worst * 1e6;
      }
    }
  }
  const double limit = config_.max_frequency_ppm;
  if (frequency_ppm_ > limit || frequency_ppm_ < -limit) {
    // Clamping moves the estimate away from the fit: widen its error by as much.
    const double clamped = std::clamp(frequency_ppm_, -limit, limit);
    error_ppm_ += std::abs(frequency_ppm_ - clamped);
    frequency_ppm_ = clamped;
  }
}

}  // namespace kairos::sync
