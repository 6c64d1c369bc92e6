// GrpcAddress: where the TSO's gRPC API listens or is reached, as written in a flag or the
// config: "HOST:PORT" (TCP) or "unix:PATH" (a Unix domain socket; gRPC's "unix:///abs/path"
// is read too). Pure parsing: nothing is resolved, opened or checked on disk.
//
// A Unix socket serves clients on the same host with a cheaper round trip than loopback
// TCP, and its file's permissions decide who may connect.
//
// Thread safety: plain value.
#pragma once

#include <string>
#include <string_view>

#include "kairos/host_port.h"
#include "kairos/status.h"

namespace kairos::tso {

struct GrpcAddress {
  std::string unix_path;  // non-empty for a Unix socket (at most 107 bytes)
  HostPort tcp;           // otherwise: port 1..65535, or 0 when listening (kernel picks)

  bool is_unix() const { return !unix_path.empty(); }
  // The target gRPC is given: "HOST:PORT", "unix:///abs/path" or "unix:relative/path".
  std::string target() const;
};

enum class GrpcAddressUse {
  kListen,   // a TCP port is required; 0 lets the kernel pick
  kConnect,  // a TCP port is required, 1..65535
};

// Errors name the text and what is wrong with it.
Result<GrpcAddress> parse_grpc_address(std::string_view text, GrpcAddressUse use);

}  // namespace kairos::tso
