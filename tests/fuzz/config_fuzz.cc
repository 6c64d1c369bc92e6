// The daemon's config parser reads outside text: any bytes give a Config or an error
// with a message, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::daemon::Config> c = kairos::daemon::parse_config(text, "fuzz.toml");
  if (!c.ok() && c.status().message().empty()) std::abort();
  return 0;
}
