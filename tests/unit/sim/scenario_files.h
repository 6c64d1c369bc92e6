// Loads the shipped scenarios (examples/sim/*.toml) for the simulator's tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sim/scenario_reader.h"

namespace kairos::sim::testing {

inline std::filesystem::path examples_dir() {
  return std::filesystem::path(__FILE__).parent_path() / "../../../examples/sim";
}

inline Result<Scenario> load_example(const std::string& name) {
  const std::filesystem::path p = examples_dir() / (name + ".toml");
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + p.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_scenario(text, p.filename().string());
}

}  // namespace kairos::sim::testing
