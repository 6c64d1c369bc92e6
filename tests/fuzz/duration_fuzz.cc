// parse_duration reads outside text (config files, flags): any bytes give a value or an
// error, and a parsed value formats and parses back to a nearby value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kairos/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::Duration> d = kairos::parse_duration(text);
  if (d.ok()) {
    kairos::Result<kairos::Duration> again = kairos::parse_duration(kairos::format_duration(*d));
    if (!again.ok()) std::abort();
  } else if (d.status().message().empty()) {
    std::abort();
  }
  return 0;
}
