#include "tso/grpc_address.h"

namespace kairos::tso {
namespace {

constexpr std::string_view kUnix = "unix:";
// sockaddr_un's sun_path holds 108 bytes, the terminating NUL included.
constexpr std::size_t kMaxUnixPath = 107;

// The text in quotes, for error messages (at most 300 bytes of it).
std::string quoted(std::string_view text) {
  std::string q = "'";
  q.append(text.substr(0, 300));
  q += '\'';
  return q;
}

Result<GrpcAddress> parse_unix(std::string_view text) {
  std::string_view path = text.substr(kUnix.size());
  if (path.starts_with("//")) {  // gRPC's URI form: unix:///abs/path
    path.remove_prefix(2);
    if (!path.starts_with('/')) {
      return Status::InvalidArgument("unix:// needs an absolute path (unix:///run/x.sock) in " +
                                     quoted(text));
    }
  }
  if (path.empty()) return Status::InvalidArgument("empty socket path in " + quoted(text));
  if (path.size() > kMaxUnixPath) {
    return Status::InvalidArgument("socket path longer than 107 bytes in " + quoted(text));
  }
  for (char c : path) {
    // gRPC reads the target as a URI: '%' would be decoded, '?' and '#' cut the path.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '%' || c == '?' || c == '#') {
      return Status::InvalidArgument(
          "socket path may not hold control characters, '%', '?' or '#' in " + quoted(text));
    }
  }
  return GrpcAddress{.unix_path = std::string(path), .tcp = {}};
}

}  // namespace

std::string GrpcAddress::target() const {
  if (!is_unix()) return tcp.to_string();
  // An absolute path in gRPC's URI form, so a path starting with "//" reads back the same.
  return std::string(unix_path.starts_with('/') ? "unix://" : "unix:") + unix_path;
}

Result<GrpcAddress> parse_grpc_address(std::string_view text, GrpcAddressUse use) {
  if (text.starts_with(kUnix)) return parse_unix(text);
  // The port must be written: read with two defaults, a text without one differs.
  Result<HostPort> hp = parse_host_port(text, 0);
  if (!hp.ok()) return hp.status();
  Result<HostPort> again = parse_host_port(text, 1);
  const bool port_written = again.ok() && again->port == hp->port;
  if (!port_written || (use == GrpcAddressUse::kConnect && hp->port == 0)) {
    const std::string range = use == GrpcAddressUse::kConnect ? "1" : "0";
    return Status::InvalidArgument(quoted(text) + " needs a port from " + range +
                                   " to 65535 (HOST:PORT or unix:PATH)");
  }
  return GrpcAddress{.unix_path = {}, .tcp = std::move(*hp)};
}

}  // namespace kairos::tso
