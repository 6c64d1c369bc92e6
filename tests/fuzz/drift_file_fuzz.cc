// parse_drift reads a file from state_dir (outside bytes): any input gives a value or an
// error with a message, a value is within the documented ranges, and it survives a
// to_text/parse round trip.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sync/drift_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::sync::DriftState> d = kairos::sync::parse_drift(text);
  if (!d.ok()) {
    if (d.status().message().empty()) std::abort();
    return 0;
  }
  if (!(std::abs(d->frequency_ppm) <= 500.0) || !(d->error_ppm >= 0.0 && d->error_ppm <= 1000.0)) {
    std::abort();
  }
  kairos::Result<kairos::sync::DriftState> again =
      kairos::sync::parse_drift(kairos::sync::drift_to_text(*d));
  if (!again.ok() || std::abs(again->frequency_ppm - d->frequency_ppm) > 1e-6 ||
      std::abs(again->error_ppm - d->error_ppm) > 1e-6) {
    std::abort();
  }
  return 0;
}
