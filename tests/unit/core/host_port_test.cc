#include "kairos/host_port.h"

#include <gtest/gtest.h>

namespace kairos {
namespace {

TEST(HostPort, ParsesTheUsualForms) {
  EXPECT_EQ(*parse_host_port("127.0.0.1:11123", 1), (HostPort{"127.0.0.1", 11123}));
  EXPECT_EQ(*parse_host_port("time.example", 123), (HostPort{"time.example", 123}));
  EXPECT_EQ(*parse_host_port("[::1]:123", 1), (HostPort{"::1", 123}));
  EXPECT_EQ(*parse_host_port("[fe80::1%lo]", 9), (HostPort{"fe80::1%lo", 9}));
  EXPECT_EQ(*parse_host_port("::1", 123), (HostPort{"::1", 123}));
  EXPECT_EQ(*parse_host_port("localhost:0", 123), (HostPort{"localhost", 0}));
}

TEST(HostPort, FormatsWithBracketsForIpv6) {
  EXPECT_EQ((HostPort{"::1", 123}).to_string(), "[::1]:123");
  EXPECT_EQ((HostPort{"127.0.0.1", 5}).to_string(), "127.0.0.1:5");
}

TEST(HostPort, RejectsWithReasons) {
  for (const char* bad : {"", ":123", "host:", "host:70000", "host:12x", "[::1", "[::1]x",
                          "[]:1", "bad host:1", "a/b:1", "[unix]:0", "[1.2.3.4]:5"}) {
    Result<HostPort> r = parse_host_port(bad, 1);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(parse_host_port("host:70000", 1).status().message().find("0 to 65535"),
            std::string::npos);
  EXPECT_EQ(parse_host_port("[unix]:0", 1).status().message(),
            "brackets are for IPv6 addresses only, in '[unix]:0'");
}

// Found by host_port_fuzz: a 297-byte bare IPv6-looking host parsed, but its to_string()
// (brackets and port added) was over the 300-byte limit and did not parse back.
TEST(HostPort, AHostHasAtMost253BytesSoItsTextParsesBack) {
  const std::string longest(253, 'a');
  Result<HostPort> ok = parse_host_port(longest, 123);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(parse_host_port(ok->to_string(), 1).ok());
  const std::string bare_v6 = ":" + std::string(296, ':');
  Result<HostPort> r = parse_host_port(bare_v6, 123);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("host longer than 253 bytes in ", 0), 0u);
  EXPECT_FALSE(parse_host_port(std::string(254, 'a') + ":1", 1).ok());
}

}  // namespace
}  // namespace kairos
