// parse_grpc_address reads --grpc-listen, --grpc, grpc_listen and tso.advertise: any bytes
// give an address or an error, and a parsed address's gRPC target parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tso/grpc_address.h"

namespace {

void round_trip(std::string_view text, kairos::tso::GrpcAddressUse use) {
  kairos::Result<kairos::tso::GrpcAddress> a = kairos::tso::parse_grpc_address(text, use);
  if (!a.ok()) return;
  if (a->is_unix() == (a->tcp.port != 0 || !a->tcp.host.empty())) std::abort();
  kairos::Result<kairos::tso::GrpcAddress> again =
      kairos::tso::parse_grpc_address(a->target(), use);
  if (!again.ok() || again->unix_path != a->unix_path || !(again->tcp == a->tcp)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  round_trip(text, kairos::tso::GrpcAddressUse::kListen);
  round_trip(text, kairos::tso::GrpcAddressUse::kConnect);
  return 0;
}
