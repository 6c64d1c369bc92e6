// Real loopback sockets: kernel transmit timestamps come back through the error queue, lie
// between the clock reads around the send, and are taken once. No timing assertions.
#include "io/udp_socket.h"

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
  EXPECT_FALSE(p.client.take_tx_timestamp().has_value()) << "nothing sent yet";

  const std::uint8_t byte = 42;
  const UnixTime before = SystemClock::instance().realtime();
  ASSERT_EQ(::send(p.client.fd(), &byte, 1, 0), 1);
  std::optional<UnixTime> stamp;
  for (int i = 0; i < 1000 && !stamp; ++i) stamp = p.client.take_tx_timestamp();
  const UnixTime after = SystemClock::instance().realtime();
  ASSERT_TRUE(stamp.has_value()) << "no transmit timestamp on loopback";
  EXPECT_GE(*stamp, before);
  EXPECT_LE(*stamp, after);
  EXPECT_FALSE(p.client.take_tx_timestamp().has_value()) << "a timestamp is taken once";
}

TEST(UdpSocketTest, NoTransmitTimestampsUnlessAskedFor) {
  Pair p = loopback_pair({});
  EXPECT_FALSE(p.client.tx_timestamps());
  const std::uint8_t byte = 42;
  ASSERT_EQ(::send(p.client.fd(), &byte, 1, 0), 1);
  EXPECT_FALSE(p.client.take_tx_timestamp().has_value());
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
