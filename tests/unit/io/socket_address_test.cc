#include "io/socket_address.h"

#include <gtest/gtest.h>

namespace kairos::io {
namespace {

TEST(SocketAddressTest, ParsesIpv4AndIpv6) {
  Result<SocketAddress> a = SocketAddress::parse("127.0.0.77:123");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(a->port(), 123);
  EXPECT_TRUE(a->is_loopback());
  EXPECT_EQ(a->to_string(), "127.0.0.77:123");
  Result<SocketAddress> b = SocketAddress::parse("[::1]:11123");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->family(), AF_INET6);
  EXPECT_TRUE(b->is_loopback());
  EXPECT_EQ(b->to_string(), "[::1]:11123");
  EXPECT_FALSE(SocketAddress::parse("192.0.2.3:5")->is_loopback());
}

TEST(SocketAddressTest, EqualMeansSameFamilyAddressAndPort) {
  auto a = [](const char* text) { return *SocketAddress::parse(text); };
  EXPECT_TRUE(a("127.0.0.1:123") == a("127.0.0.1:123"));
  EXPECT_FALSE(a("127.0.0.1:123") == a("127.0.0.1:124"));
  EXPECT_FALSE(a("127.0.0.1:123") == a("127.0.0.2:123"));
  EXPECT_TRUE(a("[::1]:123") == a("[::1]:123"));
  EXPECT_FALSE(a("[::1]:123") == a("[::2]:123"));
  EXPECT_FALSE(a("127.0.0.1:123") == a("[::ffff:127.0.0.1]:123"));  // families differ
  EXPECT_TRUE(SocketAddress() == SocketAddress());
}

TEST(SocketAddressTest, ErrorsNameTheProblem) {
  EXPECT_NE(SocketAddress::parse("127.0.0.1").status().message().find("no port"),
            std::string::npos);
  EXPECT_NE(SocketAddress::parse("127.0.0.1:70000").status().message().find("bad port"),
            std::string::npos);
  EXPECT_NE(SocketAddress::parse("localhost:1").status().message().find("numeric"),
            std::string::npos);
  EXPECT_FALSE(SocketAddress::parse("[::1:5").ok());
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4:").ok());
  EXPECT_FALSE(SocketAddress::parse("").ok());
}

TEST(SocketAddressTest, ResolveDefaultsThePort) {
  Result<SocketAddress> a = SocketAddress::resolve("127.0.0.1", 123);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port(), 123);
  EXPECT_EQ(SocketAddress::resolve("[::1]:99", 123)->port(), 99);
}

TEST(SocketAddressTest, HashIgnoresThePort) {
  EXPECT_EQ(SocketAddress::parse("1.2.3.4:1")->address_hash(),
            SocketAddress::parse("1.2.3.4:2")->address_hash());
  EXPECT_NE(SocketAddress::parse("1.2.3.4:1")->address_hash(),
            SocketAddress::parse("1.2.3.5:1")->address_hash());
}

}  // namespace
}  // namespace kairos::io
