// UdpSocket::send_segments on real loopback sockets: one UDP GSO send arrives as separate
// datagrams, in order, with the bytes of each slice.
#include <gtest/gtest.h>

#include <vector>

#include "io/datagram_batch.h"
#include "io/udp_socket.h"

namespace kairos::io {
namespace {

struct Pair {
  UdpSocket server;
  UdpSocket client;
};

Pair loopback_pair() {
  UdpOptions o;
  o.receive_timeout = seconds(2);
  Result<UdpSocket> server = UdpSocket::bind(*SocketAddress::parse("127.0.0.1:0"), o);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  Result<UdpSocket> client = UdpSocket::connect(*server->local_address(), o);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return {std::move(*server), std::move(*client)};
}

TEST(UdpSegmentsTest, OneSendArrivesAsSeparateDatagrams) {
  Pair p = loopback_pair();
  // 5 full segments of 48 bytes and a short one of 20.
  std::vector<std::uint8_t> bytes(5 * 48 + 20);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i / 48 + 1);
  const Status s = p.client.send_segments(bytes, 48);
  ASSERT_TRUE(s.ok()) << s.ToString();

  ReceiveBatch rx(16, 2048);
  std::vector<std::size_t> sizes;
  while (sizes.size() < 6) {
    Result<std::size_t> n = rx.receive(p.server);
    ASSERT_TRUE(n.ok());
    ASSERT_GT(*n, 0u) << "timed out after " << sizes.size() << " datagrams";
    for (std::size_t i = 0; i < *n; ++i) {
      const std::span<const std::uint8_t> d = rx.data(i);
      sizes.push_back(d.size());
      for (std::uint8_t b : d) ASSERT_EQ(b, sizes.size()) << "datagram " << sizes.size();
    }
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{48, 48, 48, 48, 48, 20}));
}

TEST(UdpSegmentsTest, RefusesMoreSegmentsThanOneSendCarries) {
  Pair p = loopback_pair();
  std::vector<std::uint8_t> bytes((UdpSocket::kMaxSegments + 1) * 48);
  const Status s = p.client.send_segments(bytes, 48);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("segments of 48"), std::string::npos) << s.message();
  EXPECT_EQ(p.client.send_segments(bytes, 0).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kairos::io
