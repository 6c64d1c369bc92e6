// Fuzz target: the HTTP/1.1 response parser used for etcd's JSON gateway (network bytes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tso/http_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::tso::HttpResponse> r = kairos::tso::parse_http_response(bytes);
  if (r.ok() && (r->status < 100 || r->status > 599 || r->body.size() > size)) __builtin_trap();
  return 0;
}
