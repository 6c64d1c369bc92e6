// The scenario parser reads outside text: any bytes give a Scenario or an error with a
// message, never a crash, a hang or an unbounded allocation.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/scenario_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::sim::Scenario> s = kairos::sim::parse_scenario(text, "fuzz.toml");
  if (!s.ok() && s.status().message().empty()) std::abort();
  return 0;
}
