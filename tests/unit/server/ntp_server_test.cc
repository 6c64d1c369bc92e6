// NtpServer's sockets: one port per daemon. The threads' sockets share the port with
// SO_REUSEPORT, which would also let a second process of the same user join it and take
// part of the first one's clients without a word.
#include "server/ntp_server.h"

#include <gtest/gtest.h>

#include "io/socket_address.h"
#include "kairos/clock.h"

namespace kairos::server {
namespace {

ServerOptions options_on(const io::SocketAddress& listen) {
  ServerOptions o;
  o.listen = listen;
  o.threads = 2;
  return o;
}

TEST(NtpServer, ASecondServerOnTheSamePortIsRefused) {
  ManualClock clock;
  Seqlock<ClockSnapshot> snapshot;
  Result<io::SocketAddress> any_port = io::SocketAddress::parse("127.0.0.1:0");
  ASSERT_TRUE(any_port.ok());
  auto first = std::make_unique<NtpServer>(options_on(*any_port), clock, snapshot);
  ASSERT_TRUE(first->start().ok());
  const io::SocketAddress bound = first->local_address();
  ASSERT_NE(bound.port(), 0);

  NtpServer second(options_on(bound), clock, snapshot);
  const Status refused = second.start();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("ntp listen"), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find(bound.to_string()), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find("in use"), std::string::npos) << refused.ToString();

  // Once the first has gone, the port is free again.
  first.reset();
  NtpServer third(options_on(bound), clock, snapshot);
  const Status started = third.start();
  EXPECT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(third.local_address().port(), bound.port());
}

}  // namespace
}  // namespace kairos::server
