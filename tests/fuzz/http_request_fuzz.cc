// The status endpoint parses request heads from any local process: any bytes give a
// request or an error with a message, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  auto r = kairos::daemon::parse_http_request_head(head);
  if (r.ok() && (r->path.empty() || r->path.front() != '/')) std::abort();
  if (!r.ok() && r.status().message().empty()) std::abort();
  return 0;
}
