// HostPort: a "HOST[:PORT]" as given on a command line or in a config file.
//
// Accepted forms: "host", "host:123", "1.2.3.4:123", "[::1]:123", "[::1]", "::1" (an IPv6
// literal without brackets takes no port; brackets hold nothing but an IPv6 literal). The
// host is not resolved here. Errors name the text and what is wrong.
//
// Thread safety: plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos {

struct HostPort {
  std::string host;    // without brackets
  std::uint16_t port;  // 1..65535, or 0 where the caller allowed it (kernel picks)

  // "host:port", bracketing IPv6 literals.
  std::string to_string() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// `default_port` is used when the text has none.
Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

}  // namespace kairos
