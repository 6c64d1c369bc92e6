// Plan: answers "what poll interval and how many servers keep my nodes within delta?"
// from the sync engine's own model (docs/simulator.md, "kairos plan"):
//   - a sample's distance comes from sync::sample_from_exchange on an exchange with the
//     given delay and jitter; the bound right after an update adds the filter jitter and
//     the spread between servers (one jitter each);
//   - the bound grows at drift_ppm (the engine's max_drift_ppm) plus the frequency
//     estimator's worst-case error for frequency_points samples one poll apart;
//   - the poll is sync::PollPolicy::wanted for target_delta = delta (the same formula the
//     engine uses to choose its poll);
//   - servers: a majority of truechimers must remain, n − unreachable >= 2·falsetickers + 1.
// verify_plan runs the simulator on that configuration and reports what it measured.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::sim {

struct PlanInput {
  double drift_ppm = 15.0;              // how far the frequency may wander from the estimate
  Duration jitter = microseconds(100);  // network delay variation (one way)
  Duration delta = milliseconds(1);     // wanted |virtual − true| bound
  Duration delay = microseconds(100);   // one-way base delay to the servers
  Duration server_root_dispersion = microseconds(10);  // the servers' own error
  int falsetickers = 1;                                // liars to outvote
  int unreachable = 0;                                 // servers that may be down at the same time
};

struct Plan {
  bool feasible = false;
  std::int8_t poll_log2 = 0;  // recommended maxpoll (the engine polls at most this slowly)
  int servers = 1;
  Duration sample_distance{0};  // one sample's root distance (engine model)
  Duration bound_after_update{0};
  double growth_ppm = 0.0;  // bound growth: drift allowance + frequency error
  double frequency_error_ppm = 0.0;
  Duration headroom{0};      // delta − bound after update − jitter
  Duration max_interval{0};  // headroom / growth
  std::string reasoning;     // one paragraph
};

// Errors: delta, drift or jitter not positive / out of range.
Result<Plan> make_plan(const PlanInput& in);

struct PlanCheck {
  bool held = false;  // max |error| <= delta after the warm-up
  Duration simulated{0};
  Duration warmup{0};
  Duration max_abs_error{0};    // after the warm-up, over all nodes
  Duration max_bound{0};        // after the warm-up, over all nodes
  std::int64_t violations = 0;  // bound checks that missed the truth (whole run)
  std::int64_t falseticker_selections = 0;
  int nodes = 0;
  std::uint64_t seed = 0;
};

// Simulates `plan` for `in` (nodes with drift_ppm, plan.servers servers of which
// in.falsetickers lie by 20·delta, links with in.delay and exponential in.jitter).
Result<PlanCheck> verify_plan(const PlanInput& in, const Plan& plan, std::uint64_t seed);

}  // namespace kairos::sim
