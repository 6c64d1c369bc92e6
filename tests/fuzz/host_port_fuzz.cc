// parse_host_port reads flags and config values: any bytes give an address or an error,
// and a parsed address formats and parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kairos/host_port.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::HostPort> hp = kairos::parse_host_port(text, 123);
  if (hp.ok()) {
    kairos::Result<kairos::HostPort> again = kairos::parse_host_port(hp->to_string(), 1);
    if (!again.ok() || !(*again == *hp)) std::abort();
  }
  return 0;
}
