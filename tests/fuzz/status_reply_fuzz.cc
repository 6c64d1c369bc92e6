// Fuzz target: the CLI's reader of the daemon's /status JSON (bytes from the network).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/status_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::daemon::StatusReply> r = kairos::daemon::parse_status_reply(bytes);
  if (r.ok() && (r->stratum < 0 || r->stratum > 255 || r->sources.size() > size)) {
    __builtin_trap();
  }
  return 0;
}
