#include "sync/poll_policy.h"

#include <algorithm>
#include <cmath>

namespace kairos::sync {

Duration poll_interval(int log2) {
  log2 = std::clamp(log2, -30, 40);
  if (log2 >= 0) return seconds(std::int64_t{1} << log2);
  return Duration(std::int64_t{1'000'000'000} >> -log2);
}

Duration spread_wait(Duration wait, double unit) {
  if (wait <= Duration(0)) return Duration(0);
  const double shift =
      std::clamp(unit, -1.0, 1.0) * kPollSpread * static_cast<double>(wait.count());
  return wait + Duration(static_cast<Duration::rep>(shift));
}

PollPolicy::PollPolicy(PollConfig config) : config_(config), poll_(config.minpoll) {
  config_.maxpoll = std::max(config_.maxpoll, config_.minpoll);
  config_.learning_poll = std::min(config_.learning_poll, config_.minpoll);
}

std::int8_t PollPolicy::wanted(Duration error, double growth_ppm, Duration jitter,
                               bool learning) const {
  if (learning) return config_.learning_poll;
  const double floor = config_.minpoll;
  const double headroom = to_seconds(config_.target_delta - error - jitter);
  if (headroom <= 0.0) return config_.minpoll;
  const double growth = std::max(growth_ppm, 1e-3) * 1e-6;
  const double log2_tau = std::floor(std::log2(headroom / growth));
  return static_cast<std::int8_t>(
      std::clamp(log2_tau, floor, static_cast<double>(config_.maxpoll)));
}

void PollPolicy::update(Duration error, double growth_ppm, Duration jitter, bool learning) {
  const std::int8_t w = wanted(error, growth_ppm, jitter, learning);
  if (w > poll_) {
    ++poll_;
  } else {
    poll_ = w;
  }
}

}  // namespace kairos::sync
