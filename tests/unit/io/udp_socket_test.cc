// Real loopback sockets: kernel transmit timestamps come back through the error queue, lie
// between the clock reads around the send, and are taken once; so do ICMP errors, on an
// unconnected socket, when asked for. No timing assertions.
#include "io/udp_socket.h"

#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "kairos/clock.h"

namespace kairos::io {
namespace {

struct Pair {
  UdpSocket server;
  UdpSocket client;
};

Pair loopback_pair(const UdpOptions& client_options) {
  Result<UdpSocket> server = UdpSocket::bind(*SocketAddress::parse("127.0.0.1:0"), {});
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  Result<UdpSocket> client = UdpSocket::connect(*server->local_address(), client_options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return {std::move(*server), std::move(*client)};
}

TEST(UdpSocketTest, TransmitTimestampLiesBetweenTheClockReadsAroundTheSend) {
  UdpOptions o;
  o.tx_timestamps = true;
  Pair p = loopback_pair(o);
  ASSERT_TRUE(p.client.tx_timestamps()) << "this kernel refused SO_TIMESTAMPING";
  EXPECT_FALSE(p.client.drain_error_queue().tx_timestamp.has_value()) << "nothing sent yet";

  const std::uint8_t byte = 42;
  const UnixTime before = SystemClock::instance().realtime();
  ASSERT_EQ(::send(p.client.fd(), &byte, 1, 0), 1);
  std::optional<UnixTime> stamp;
  for (int i = 0; i < 1000 && !stamp; ++i) stamp = p.client.drain_error_queue().tx_timestamp;
  const UnixTime after = SystemClock::instance().realtime();
  ASSERT_TRUE(stamp.has_value()) << "no transmit timestamp on loopback";
  EXPECT_GE(*stamp, before);
  EXPECT_LE(*stamp, after);
  EXPECT_FALSE(p.client.drain_error_queue().tx_timestamp.has_value())
      << "a timestamp is taken once";
}

TEST(UdpSocketTest, NoTransmitTimestampsUnlessAskedFor) {
  Pair p = loopback_pair({});
  EXPECT_FALSE(p.client.tx_timestamps());
  const std::uint8_t byte = 42;
  ASSERT_EQ(::send(p.client.fd(), &byte, 1, 0), 1);
  EXPECT_FALSE(p.client.drain_error_queue().tx_timestamp.has_value());
}

// A datagram to a port nobody listens on: the ICMP port unreachable reaches an unconnected
// socket only with icmp_errors, through the error queue, once.
TEST(UdpSocketTest, AnUnconnectedSocketHearsPortUnreachableOnlyWhenAsked) {
  SocketAddress closed;
  {
    Result<UdpSocket> gone = UdpSocket::bind(*SocketAddress::parse("127.0.0.1:0"), {});
    ASSERT_TRUE(gone.ok());
    closed = *gone->local_address();
  }  // closed now: nothing listens on its port
  for (const bool asked : {true, false}) {
    UdpOptions o;
    o.icmp_errors = asked;
    Result<UdpSocket> s = UdpSocket::bind(*SocketAddress::parse("0.0.0.0:0"), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const std::uint8_t byte = 42;
    ASSERT_EQ(::sendto(s->fd(), &byte, 1, 0, closed.sockaddr_ptr(), closed.length()), 1);
    pollfd p{s->fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, asked ? 1000 : 100);  // loopback answers at once
    const UdpSocket::ErrorQueue q = s->drain_error_queue();
    if (asked) {
      ASSERT_EQ(ready, 1);
      EXPECT_EQ(q.icmp_errno, ECONNREFUSED);
      EXPECT_EQ(s->drain_error_queue().icmp_errno, 0) << "an error is taken once";
    } else {
      EXPECT_EQ(q.icmp_errno, 0);
    }
  }
}

TEST(UdpSocketTest, MovingASocketKeepsItsTransmitTimestamps) {
  UdpOptions o;
  o.tx_timestamps = true;
  Pair p = loopback_pair(o);
  UdpSocket moved = std::move(p.client);
  EXPECT_TRUE(moved.tx_timestamps());
  EXPECT_FALSE(p.client.is_open());  // NOLINT(bugprone-use-after-move): checking the move
}

}  // namespace
}  // namespace kairos::io
