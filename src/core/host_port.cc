#include "kairos/host_port.h"

#include <charconv>

namespace kairos {
namespace {

constexpr std::size_t kMaxHostBytes = 253;

}  // namespace

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port) {
  const std::string quoted = "'" + std::string(text.substr(0, 300)) + "'";
  if (text.empty()) return Status::InvalidArgument("empty address (expected HOST[:PORT])");
  if (text.size() > 300) return Status::InvalidArgument("address too long: " + quoted);
  std::string_view host = text;
  std::string_view port_text;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("missing ']' in " + quoted);
    }
    host = text.substr(1, close - 1);
    // Brackets hold an IPv6 literal (RFC 3986); around a name they would be lost in
    // to_string(), and "[unix]:1" would read back as gRPC's Unix socket "unix:1".
    if (!host.empty() && host.find(':') == std::string_view::npos) {
      return Status::InvalidArgument("brackets are for IPv6 addresses only, in " + quoted);
    }
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::InvalidArgument("expected ':' after ']' in " + quoted);
      port_text = rest.substr(1);
      if (port_text.empty()) return Status::InvalidArgument("empty port in " + quoted);
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    if (text.find(':', colon + 1) == std::string_view::npos) {  // exactly one colon
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return Status::InvalidArgument("empty port in " + quoted);
    }  // else: a bare IPv6 literal
  }
  if (host.empty()) return Status::InvalidArgument("empty host in " + quoted);
  // A DNS name has at most 253 bytes; the bound also keeps to_string() parseable.
  if (host.size() > kMaxHostBytes) {
    return Status::InvalidArgument("host longer than 253 bytes in " + quoted);
  }
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '_' || c == '%';
    if (!ok) return Status::InvalidArgument("invalid character in host of " + quoted);
  }
  std::uint16_t port = default_port;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value > 65535) {
      return Status::InvalidArgument("port must be a number from 0 to 65535 in " + quoted);
    }
    port = static_cast<std::uint16_t>(value);
  }
  return HostPort{std::string(host), port};
}

}  // namespace kairos
