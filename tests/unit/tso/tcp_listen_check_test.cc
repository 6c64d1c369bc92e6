#include "tso/tcp_listen_check.h"

#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace kairos::tso {
namespace {

// A socket listening on 127.0.0.1 at a port the kernel picked; closed on destruction.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), n) == 0 &&
          ::listen(fd_, 4) == 0 && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0;
    port_ = ntohs(a.sin_port);
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::uint16_t port_ = 0;
};

TEST(TcpListenCheck, APortSomeoneListensOnIsNamedInUse) {
  Listener other;
  ASSERT_TRUE(other.ok());
  const HostPort taken{"127.0.0.1", other.port()};
  const Status s = check_tcp_bindable(taken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on " + taken.to_string() + ": Address already in use");
  // The wildcard address overlaps it too.
  EXPECT_FALSE(check_tcp_bindable({"0.0.0.0", other.port()}).ok());
}

TEST(TcpListenCheck, AFreePortPasses) {
  std::uint16_t port = 0;
  {
    Listener gone;  // a port just freed: nobody holds it now
    ASSERT_TRUE(gone.ok());
    port = gone.port();
  }
  EXPECT_TRUE(check_tcp_bindable({"127.0.0.1", port}).ok());
}

TEST(TcpListenCheck, AnAddressOfAnotherHostIsNamed) {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
  const Status s = check_tcp_bindable({"192.0.2.1", 11190});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on 192.0.2.1:11190: Cannot assign requested address");
}

TEST(TcpListenCheck, PortZeroStillChecksTheAddress) {
  EXPECT_TRUE(check_tcp_bindable({"127.0.0.1", 0}).ok());
  const Status s = check_tcp_bindable({"192.0.2.1", 0});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot listen for gRPC on 192.0.2.1:0: Cannot assign requested address");
}

// Listens on every address `host` resolves to, at one port the kernel picked for the first.
class NameListener {
 public:
  explicit NameListener(const char* host) {
    addrinfo hints{};
    hints.ai_flags = AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host, "0", &hints, &found) != 0) return;
    // The first address must work; a later one this host cannot use (::1 without IPv6)
    // cannot be bound by the check either.
    ok_ = listen_on(*found);
    for (addrinfo* a = found->ai_next; a != nullptr && ok_; a = a->ai_next) listen_on(*a);
    ::freeaddrinfo(found);
  }
  ~NameListener() {
    for (int fd : fds_) ::close(fd);
  }
  bool ok() const { return ok_ && !fds_.empty(); }
  std::uint16_t port() const { return port_; }

 private:
  bool listen_on(addrinfo& a) {
    const int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC, a.ai_protocol);
    if (fd < 0) return false;
    fds_.push_back(fd);
    sockaddr_storage s{};
    std::memcpy(&s, a.ai_addr, a.ai_addrlen);
    // sin_port and sin6_port sit at the same offset.
    reinterpret_cast<sockaddr_in*>(&s)->sin_port = htons(port_);
    socklen_t n = a.ai_addrlen;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&s), n) != 0 || ::listen(fd, 4) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &n) != 0)
      return false;
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port);
    return true;
  }

  std::vector<int> fds_;
  std::uint16_t port_ = 0;
  bool ok_ = false;
};

TEST(TcpListenCheck, ANameIsCheckedOnEveryAddressItResolvesTo) {
  NameListener other("localhost");
  ASSERT_TRUE(other.ok());
  const HostPort taken{"localhost", other.port()};
  const Status s = check_tcp_bindable(taken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on " + taken.to_string() + ": Address already in use");
}

TEST(TcpListenCheck, ANameWhoseAddressesAreFreePasses) {
  std::uint16_t port = 0;
  {
    NameListener gone("localhost");
    ASSERT_TRUE(gone.ok());
    port = gone.port();
  }
  EXPECT_TRUE(check_tcp_bindable({"localhost", port}).ok());
}

}  // namespace
}  // namespace kairos::tso
