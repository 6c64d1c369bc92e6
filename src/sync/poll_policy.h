// PollPolicy: the system poll interval, 2^poll_log2 seconds within [minpoll, maxpoll].
//
// The node wants its error bound to stay within target_delta until the next update. Right
// after an update the bound is `error`; it grows at `growth_ppm` (max drift + the
// frequency estimate's error); the next measurement scatters by about `jitter`. So the
// longest acceptable interval is
//   τ = (target_delta − error − jitter) / (growth_ppm·1e-6)
// and the wanted poll is floor(log2 τ), clamped to [minpoll, maxpoll]. While the engine
// is learning the drift (after start or a jump, until the drift error is below max drift
// or the points span a full window at learning_poll: ~4 min at most) the poll is
// learning_poll instead, so the estimate firms up in minutes, not hours. The poll rises
// one step per update towards the wanted value and drops to it at once; with no headroom
// it is the floor. Small drift error and jitter relative to the target thus mean long
// polls.
//
// Thread safety: none.
#pragma once

#include <cstdint>

#include "kairos/time.h"

namespace kairos::sync {

// 2^log2 seconds; log2 may be negative (sub-second polls), and is clamped to [-30, 40].
Duration poll_interval(int log2);

// A poll due after `wait`, moved by `unit` (in [-1, 1], drawn at random by the caller) times
// kPollSpread of the wait. Polls at an exact period keep one phase against everything
// periodic on their path (timer ticks, other daemons' timers, a proxy's wake-ups), and a
// bias that phase brings stays in every sample of the run instead of averaging out. The
// result is never negative.
inline constexpr double kPollSpread = 1.0 / 32;
Duration spread_wait(Duration wait, double unit);

struct PollConfig {
  std::int8_t minpoll = 6;        // 64 s
  std::int8_t maxpoll = 10;       // 1024 s
  std::int8_t learning_poll = 3;  // 8 s: the poll while the drift is unknown
  Duration target_delta = milliseconds(10);
};

class PollPolicy {
 public:
  explicit PollPolicy(PollConfig config = {});
  std::int8_t poll_log2() const { return poll_; }
  Duration interval() const { return poll_interval(poll_); }
  // The wanted poll for these figures (before the one-step rule).
  std::int8_t wanted(Duration error, double growth_ppm, Duration jitter, bool learning) const;
  void update(Duration error, double growth_ppm, Duration jitter, bool learning);
  // Back to minpoll (the node lost its sources or stepped).
  void reset() { poll_ = config_.minpoll; }

 private:
  PollConfig config_;
  std::int8_t poll_;
};

}  // namespace kairos::sync
