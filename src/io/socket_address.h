// SocketAddress: an IPv4 or IPv6 address and port (a sockaddr_storage as a value), parsed
// from and printed as "127.0.0.1:123", "[::1]:123".
//
// Thread safety: a plain value.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kairos/status.h"

namespace kairos::io {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Copies `len` bytes of a sockaddr (AF_INET or AF_INET6; anything else gives an empty
  // address).
  SocketAddress(const sockaddr* sa, socklen_t len);

  // "ADDR:PORT" with a numeric IPv4 address, or "[ADDR]:PORT" for IPv6. Port 0..65535.
  static Result<SocketAddress> parse(std::string_view text);
  // Like parse, but HOST may be a name (resolved with getaddrinfo, first result) and the
  // port may be omitted (default_port).
  static Result<SocketAddress> resolve(std::string_view host_port, std::uint16_t default_port);
  // Every address HOST resolves to (duplicates removed), in resolver order: a name with
  // several addresses is a pool.
  static Result<std::vector<SocketAddress>> resolve_all(std::string_view host_port,
                                                        std::uint16_t default_port);

  int family() const { return storage_.ss_family; }
  bool empty() const { return storage_.ss_family == AF_UNSPEC; }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  // 127.0.0.0/8, ::1, or ::ffff:127.x.x.x.
  bool is_loopback() const;
  // A 64-bit digest of the address (not the port), for hash tables.
  std::uint64_t address_hash() const;
  // Same family, address and port (and IPv6 scope); empty addresses are equal.
  friend bool operator==(const SocketAddress& a, const SocketAddress& b);

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* sockaddr_ptr() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t length() const;

  std::string to_string() const;

 private:
  sockaddr_storage storage_{};
};

// The same checks on a raw sockaddr (AF_INET/AF_INET6; anything else: false / 0), for the
// packet path where copying a SocketAddress would be waste.
bool is_loopback(const sockaddr* sa);
std::uint64_t address_hash(const sockaddr* sa);

}  // namespace kairos::io
