// Report: the outputs of a simulation run, as text. summary_json is the machine-readable
// verdict (keys in docs/simulator.md); plot_svg draws |error| and the error bound against
// time on a log scale. Both are deterministic functions of the SimResult (fixed number
// formatting, nodes in scenario order), so the same run gives the same bytes.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/sim_result.h"

namespace kairos::sim {

// Nearest-rank percentile (p in [0, 1]) of sorted values; 0 for none.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p);

struct Overall {
  std::int64_t p50_abs_error_ns = 0, p99_abs_error_ns = 0, max_abs_error_ns = 0;
  std::int64_t ticks_checked = 0, ticks_contained = 0, checks = 0, violations = 0;
  Duration worst_violation{0};
  Duration max_time_to_sync{0};
  int never_synced = 0;
  int steps = 0, jumps_beyond_bound = 0;
  Duration max_jump{0};
  std::int64_t falseticker_selections = 0;
  double contained_fraction() const {
    return ticks_checked == 0
               ? 0.0
               : static_cast<double>(ticks_contained) / static_cast<double>(ticks_checked);
  }
};

Overall overall(const SimResult& r);
std::string summary_json(const SimResult& r);
std::string plot_svg(const SimResult& r);

}  // namespace kairos::sim
