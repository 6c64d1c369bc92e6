// Reads a scenario from TOML text, strictly: an unknown key, a wrong type, a value out of
// range or a dangling name is an error naming the file, the line and the dotted key
// ("lan.toml:12: node[0].drift_ppm: must be within ±1000"). The format is documented in
// docs/simulator.md. Any bytes give a Scenario or an error, never a crash (fuzzed by
// tests/fuzz/sim_scenario_fuzz.cc).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "kairos/status.h"
#include "sim/scenario.h"

namespace kairos::sim {

// `file` names the source in error messages.
Result<Scenario> parse_scenario(std::string_view text, const std::string& file);

// Checks the cross-references and limits of a scenario built in code (parse_scenario
// calls it too): names unique, upstreams and links exist, at most Engine::kMaxSources
// upstreams per node, at most kMaxNodes nodes and kMaxSamples samples.
Status validate_scenario(const Scenario& scenario);

}  // namespace kairos::sim
