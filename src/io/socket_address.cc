#include "io/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace kairos::io {
namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return Status::InvalidArgument("bad port '" + std::string(text) + "' in '" +
                                   std::string(whole) + "' (want 0..65535)");
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "host:port", "[v6]:port", "[v6]", "host" (port empty when absent).
Status split(std::string_view text, std::string_view& host, std::string_view& port) {
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("missing ']' in '" + std::string(text) + "'");
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) {
      port = {};
    } else if (rest.front() == ':') {
      port = rest.substr(1);
      if (port.empty()) return Status::InvalidArgument("empty port in '" + std::string(text) + "'");
    } else {
      return Status::InvalidArgument("unexpected text after ']' in '" + std::string(text) + "'");
    }
    return Status::Ok();
  }
  const auto colon = text.rfind(':');
  if (colon != std::string_view::npos && text.find(':') != colon) {
    // Several colons and no brackets: a bare IPv6 address without a port.
    host = text;
    port = {};
    return Status::Ok();
  }
  if (colon == std::string_view::npos) {
    host = text;
    port = {};
  } else {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return Status::InvalidArgument("empty port in '" + std::string(text) + "'");
  }
  return Status::Ok();
}

}  // namespace

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return;
  if ((sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) ||
      (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6))) {
    std::memcpy(&storage_, sa,
                sa->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
  }
}

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  std::string_view host, port_text;
  if (Status s = split(text, host, port_text); !s.ok()) return s;
  if (port_text.empty()) {
    return Status::InvalidArgument("'" + std::string(text) + "' has no port (want ADDR:PORT)");
  }
  Result<std::uint16_t> port = parse_port(port_text, text);
  if (!port.ok()) return port.status();
  SocketAddress a;
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  } else {
    return Status::InvalidArgument("'" + h + "' in '" + std::string(text) +
                                   "' is not a numeric IPv4 or IPv6 address");
  }
  a.set_port(*port);
  return a;
}

Result<std::vector<SocketAddress>> SocketAddress::resolve_all(std::string_view host_port,
                                                              std::uint16_t default_port) {
  std::string_view host, port_text;
  if (Status s = split(host_port, host, port_text); !s.ok()) return s;
  std::uint16_t port = default_port;
  if (!port_text.empty()) {
    Result<std::uint16_t> p = parse_port(port_text, host_port);
    if (!p.ok()) return p.status();
    port = *p;
  }
  if (host.empty())
    return Status::InvalidArgument("empty host in '" + std::string(host_port) + "'");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const std::string h(host);
  if (const int rc = getaddrinfo(h.c_str(), nullptr, &hints, &res); rc != 0) {
    return Status::NotFound("cannot resolve '" + h + "': " + gai_strerror(rc));
  }
  std::vector<SocketAddress> out;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    SocketAddress a(ai->ai_addr, ai->ai_addrlen);
    if (a.empty()) continue;
    a.set_port(port);
    bool seen = false;
    for (const SocketAddress& b : out) seen = seen || b.to_string() == a.to_string();
    if (!seen) out.push_back(a);
  }
  freeaddrinfo(res);
  if (out.empty()) return Status::NotFound("'" + h + "' has no IPv4 or IPv6 address");
  return out;
}

Result<SocketAddress> SocketAddress::resolve(std::string_view host_port,
                                             std::uint16_t default_port) {
  Result<std::vector<SocketAddress>> all = resolve_all(host_port, default_port);
  if (!all.ok()) return all.status();
  return all->front();
}

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

void SocketAddress::set_port(std::uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

bool SocketAddress::is_loopback() const { return io::is_loopback(sockaddr_ptr()); }

std::uint64_t SocketAddress::address_hash() const { return io::address_hash(sockaddr_ptr()); }

bool is_loopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

std::uint64_t address_hash(const sockaddr* sa) {
  // FNV-1a over the address bytes, then a final mix.
  const std::uint8_t* p = nullptr;
  std::size_t n = 0;
  if (sa->sa_family == AF_INET) {
    p = reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
    n = 4;
  } else if (sa->sa_family == AF_INET6) {
    p = reinterpret_cast<const std::uint8_t*>(
        &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
    n = 16;
  }
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
  if (a.family() != b.family()) return false;
  if (a.family() == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(a.sockaddr_ptr());
    const auto* y = reinterpret_cast<const sockaddr_in*>(b.sockaddr_ptr());
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.family() == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(a.sockaddr_ptr());
    const auto* y = reinterpret_cast<const sockaddr_in6*>(b.sockaddr_ptr());
    return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return true;  // both empty (or both of a family we do not keep)
}

socklen_t SocketAddress::length() const {
  if (family() == AF_INET) return sizeof(sockaddr_in);
  if (family() == AF_INET6) return sizeof(sockaddr_in6);
  return 0;
}

std::string SocketAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(port());
  }
  return "<none>";
}

}  // namespace kairos::io
