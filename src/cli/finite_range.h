// A CLI11 check for a floating-point flag: a finite number in [min, max]. CLI::Range lets
// "nan" through, because every comparison with NaN is false.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <sstream>
#include <string>

namespace kairos::cli {

inline CLI::Validator finite_range(double min, double max) {
  std::ostringstream range;
  range << "[" << min << " - " << max << "]";
  return CLI::Validator(
      [min, max, bounds = range.str()](std::string& text) -> std::string {
        double v = 0.0;
        if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v) || v < min || v > max) {
          return "Value " + text + " is not a finite number in " + bounds;
        }
        return {};
      },
      "FLOAT in " + range.str());
}

}  // namespace kairos::cli
