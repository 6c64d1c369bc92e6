#include "tso/tcp_listen_check.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
  EXPECT_TRUE(check_tcp_bindable({"127.0.0.1", 0}).ok());
}

TEST(TcpListenCheck, AnAddressOfAnotherHostIsNamed) {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
  const Status s = check_tcp_bindable({"192.0.2.1", 11190});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on 192.0.2.1:11190: Cannot assign requested address");
}

TEST(TcpListenCheck, NamesAreLeftToGrpc) {
  Listener other;
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(check_tcp_bindable({"localhost", other.port()}).ok());
}

}  // namespace
}  // namespace kairos::tso
