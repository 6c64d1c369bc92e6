#include "sync/drift_file.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace kairos::sync {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status line_error(int line, const std::string& what) {
  return Status::InvalidArgument("drift file line " + std::to_string(line) + ": " + what);
}

}  // namespace

std::string drift_to_text(const DriftState& state) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "# kairos drift estimate (system clock rate error; positive: it runs slow)\n"
                "kairos-drift 1\nfrequency_ppm %.6f\nerror_ppm %.6f\n",
                state.frequency_ppm, state.error_ppm);
  return buf;
}

Result<DriftState> parse_drift(std::string_view text) {
  if (text.size() > kMaxDriftFileBytes) {
    return Status::InvalidArgument("drift file: " + std::to_string(text.size()) +
                                   " bytes, more than the limit of " +
                                   std::to_string(kMaxDriftFileBytes));
  }
  DriftState out;
  bool have_header = false, have_frequency = false, have_error = false;
  int line_number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos) return line_error(line_number, "expected `key value`");
    const std::string_view key = line.substr(0, space);
    const std::string_view value = trim(line.substr(space));
    if (!have_header) {
      if (key != "kairos-drift") return line_error(line_number, "expected header `kairos-drift 1`");
      if (value != "1") return line_error(line_number, "unsupported version (want 1)");
      have_header = true;
      continue;
    }
    if (key != "frequency_ppm" && key != "error_ppm") {
      return line_error(line_number, "unknown key `" + std::string(key) + "`");
    }
    double v = 0.0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(v)) {
      return line_error(line_number, "value of `" + std::string(key) + "` is not a finite number");
    }
    if (key == "frequency_ppm") {
      if (have_frequency) return line_error(line_number, "duplicate frequency_ppm");
      if (std::abs(v) > 500.0) return line_error(line_number, "frequency_ppm beyond ±500");
      out.frequency_ppm = v;
      have_frequency = true;
    } else {
      if (have_error) return line_error(line_number, "duplicate error_ppm");
      if (v < 0.0 || v > 1000.0) return line_error(line_number, "error_ppm outside [0, 1000]");
      out.error_ppm = v;
      have_error = true;
    }
  }
  if (!have_header)
    return Status::InvalidArgument("drift file: empty (no `kairos-drift 1` header)");
  if (!have_frequency) return Status::InvalidArgument("drift file: frequency_ppm missing");
  if (!have_error) return Status::InvalidArgument("drift file: error_ppm missing");
  return out;
}

}  // namespace kairos::sync
