// Real loopback sockets (no timing assertions): a batch goes out with sendmmsg and comes
// back with recvmmsg, peers and kernel timestamps intact.
#include "io/datagram_batch.h"

#include <gtest/gtest.h>

namespace kairos::io {
namespace {

TEST(DatagramBatchTest, SendAndReceiveABatchOnLoopback) {
  UdpOptions o;
  o.rx_timestamps = true;
  o.receive_timeout = seconds(2);
  Result<UdpSocket> server = UdpSocket::bind(*SocketAddress::parse("127.0.0.1:0"), o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<SocketAddress> where = server->local_address();
  ASSERT_TRUE(where.ok());
  Result<UdpSocket> client = UdpSocket::connect(*where, o);
  ASSERT_TRUE(client.ok());

  SendBatch tx(8, 64);
  for (std::size_t i = 0; i < 8; ++i) {
    tx.buffer(i)[0] = static_cast<std::uint8_t>(i);
    tx.set(i, 10 + i, nullptr, 0);
  }
  std::size_t failed = 0;
  Result<std::size_t> sent = tx.send(*client, 8, failed);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 8u);
  EXPECT_EQ(failed, 0u);

  ReceiveBatch rx(16, 2048);
  std::size_t got = 0;
  const Result<SocketAddress> client_addr = client->local_address();
  while (got < 8) {
    Result<std::size_t> n = rx.receive(*server);
    ASSERT_TRUE(n.ok());
    ASSERT_GT(*n, 0u) << "timed out";
    for (std::size_t i = 0; i < *n; ++i, ++got) {
      EXPECT_EQ(rx.data(i).size(), 10 + rx.data(i)[0]);
      EXPECT_TRUE(rx.kernel_rx_time(i).has_value());
      EXPECT_EQ(SocketAddress(rx.peer(i), rx.peer_length(i)).to_string(), client_addr->to_string());
    }
  }
}

TEST(DatagramBatchTest, ReceiveNowReturnsZeroWhenIdle) {
  Result<UdpSocket> s = UdpSocket::bind(*SocketAddress::parse("127.0.0.1:0"), {});
  ASSERT_TRUE(s.ok());
  ReceiveBatch rx(4, 64);
  Result<std::size_t> n = rx.receive_now(*s);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

}  // namespace
}  // namespace kairos::io
