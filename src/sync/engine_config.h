// EngineConfig: every knob of the sync engine, with the defaults named in docs/sync.md.
// Thread safety: a plain value.
#pragma once

#include <cstdint>

#include "kairos/time.h"

namespace kairos::sync {

struct EngineConfig {
  // Discipline of the virtual clock.
  double max_slew_ppm = 500.0;                  // slew rate limit
  Duration step_threshold = milliseconds(128);  // larger corrections may step...
  int step_updates = 3;                         // ...during the first N clock updates
  // The very first fix steps above this (nothing was published as synchronized before, so
  // nobody sees synchronized time jump); set it to step_threshold for plain makestep.
  Duration initial_step_threshold = milliseconds(1);
  bool allow_step = false;                   // ...or always, when true
  Duration panic_threshold = seconds(1000);  // larger corrections are refused...
  bool force = false;                        // ...unless forced (then stepped)
  Duration min_slew_duration = seconds(1);   // small corrections spread over >= this

  // Error bound.
  double max_drift_ppm = 15.0;                 // frequency wander allowance (ntpd's PHI)
  double max_frequency_ppm = 500.0;            // |frequency estimate| limit
  double initial_frequency_error_ppm = 500.0;  // prior error with no drift file
  int frequency_points = 32;                   // regression window
  std::int8_t precision_log2 = -20;            // local clock precision (log2 s)

  // Selection.
  Duration max_distance = milliseconds(1500);  // sources farther than this are unfit
  int min_sources = 1;                         // candidates needed to select at all
  int min_survivors = 3;                       // clustering keeps at least this many

  // Polling.
  std::int8_t minpoll = 6;                   // log2 s
  std::int8_t maxpoll = 10;                  // log2 s
  std::int8_t learning_poll = 3;             // poll while the drift is still unknown
  Duration target_delta = milliseconds(10);  // wanted error bound between updates
  int burst_count = 4;                       // initial polls per source...
  Duration burst_interval = seconds(2);      // ...this far apart
  // A source that missed its last N polls is polled at minpoll (or the system poll, if
  // shorter) until it answers again, so an outage is seen in minutes, not 8 long polls.
  int misses_before_fast_poll = 2;
  // A source that missed its last N polls is unreachable once its root distance exceeds
  // target_delta (it can no longer keep the node within target); reach 0 always is.
  int misses_before_unreachable = 4;
};

}  // namespace kairos::sync
