// The drift file: the frequency estimate saved in state_dir (`<state_dir>/drift`) so a
// restarted node starts from its last known rate instead of 0 ± 500 ppm.
//
// Format (text, UTF-8, at most 4096 bytes; '#' lines and blank lines are ignored):
//   kairos-drift 1
//   frequency_ppm <decimal>     |value| <= 500; the system clock's rate error, positive:
//                               the system clock runs slow (see FrequencyEstimator)
//   error_ppm <decimal>         0 <= value <= 1000; the estimate's worst-case error
// Both keys are required, once each, in any order; anything else is an error.
// The sync module only converts; reading and writing the file is the daemon's job.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos::sync {

struct DriftState {
  double frequency_ppm = 0.0;
  double error_ppm = 500.0;
};

inline constexpr std::size_t kMaxDriftFileBytes = 4096;

std::string drift_to_text(const DriftState& state);
// Errors (InvalidArgument) name the line and what was wrong.
Result<DriftState> parse_drift(std::string_view text);

}  // namespace kairos::sync
