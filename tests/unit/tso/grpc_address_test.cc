#include "tso/grpc_address.h"

#include <gtest/gtest.h>

#include <string>

namespace kairos::tso {
namespace {

std::string error(std::string_view text, GrpcAddressUse use = GrpcAddressUse::kConnect) {
  Result<GrpcAddress> a = parse_grpc_address(text, use);
  EXPECT_FALSE(a.ok()) << text;
  return a.ok() ? "" : a.status().message();
}

TEST(GrpcAddress, TcpNeedsAWrittenPort) {
  Result<GrpcAddress> a = parse_grpc_address("127.0.0.1:11190", GrpcAddressUse::kConnect);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->is_unix());
  EXPECT_EQ(a->tcp, (HostPort{"127.0.0.1", 11190}));
  EXPECT_EQ(a->target(), "127.0.0.1:11190");
  EXPECT_EQ(parse_grpc_address("[::1]:7", GrpcAddressUse::kConnect)->target(), "[::1]:7");
  // Listening may leave the port to the kernel; a client cannot dial port 0.
  EXPECT_TRUE(parse_grpc_address("127.0.0.1:0", GrpcAddressUse::kListen).ok());
  EXPECT_EQ(error("127.0.0.1:0"),
            "'127.0.0.1:0' needs a port from 1 to 65535 (HOST:PORT or unix:PATH)");
  EXPECT_EQ(error("nohostport", GrpcAddressUse::kListen),
            "'nohostport' needs a port from 0 to 65535 (HOST:PORT or unix:PATH)");
  EXPECT_EQ(error("[::1]"), "'[::1]' needs a port from 1 to 65535 (HOST:PORT or unix:PATH)");
  EXPECT_EQ(error("127.0.0.1:99999"), "port must be a number from 0 to 65535 in '127.0.0.1:99999'");
  EXPECT_EQ(error(":80"), "empty host in ':80'");
  EXPECT_EQ(error("x y:1"), "invalid character in host of 'x y:1'");
  // Found by grpc_address_fuzz: TCP host "unix" on port 0, whose target "unix:0" is gRPC's
  // Unix socket "0". Brackets are for IPv6 literals only.
  EXPECT_EQ(error("[unix]:0", GrpcAddressUse::kListen),
            "brackets are for IPv6 addresses only, in '[unix]:0'");
}

TEST(GrpcAddress, UnixSocketPaths) {
  Result<GrpcAddress> a = parse_grpc_address("unix:/run/kairos/tso.sock", GrpcAddressUse::kListen);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_unix());
  EXPECT_EQ(a->unix_path, "/run/kairos/tso.sock");
  EXPECT_EQ(a->target(), "unix:///run/kairos/tso.sock");
  // gRPC's URI form names the same path; a relative path stays relative.
  EXPECT_EQ(parse_grpc_address("unix:///run/x.sock", GrpcAddressUse::kConnect)->unix_path,
            "/run/x.sock");
  EXPECT_EQ(parse_grpc_address("unix:x.sock", GrpcAddressUse::kConnect)->target(), "unix:x.sock");
  // Every parsed path reads back from its target unchanged.
  for (const char* text : {"unix:/a", "unix:////a", "unix:a//b", "unix:///a b"}) {
    Result<GrpcAddress> first = parse_grpc_address(text, GrpcAddressUse::kConnect);
    ASSERT_TRUE(first.ok()) << text;
    Result<GrpcAddress> again = parse_grpc_address(first->target(), GrpcAddressUse::kConnect);
    ASSERT_TRUE(again.ok()) << first->target();
    EXPECT_EQ(again->unix_path, first->unix_path) << text;
  }
}

TEST(GrpcAddress, BadUnixSocketPathsAreNamed) {
  EXPECT_EQ(error("unix:"), "empty socket path in 'unix:'");
  EXPECT_EQ(error("unix://"), "unix:// needs an absolute path (unix:///run/x.sock) in 'unix://'");
  EXPECT_EQ(error("unix://host/x"),
            "unix:// needs an absolute path (unix:///run/x.sock) in 'unix://host/x'");
  EXPECT_TRUE(error("unix:/" + std::string(107, 'x')).starts_with("socket path longer than 107 "));
  EXPECT_TRUE(parse_grpc_address("unix:/" + std::string(106, 'x'), GrpcAddressUse::kListen).ok());
  for (const std::string& bad :
       {std::string("unix:/a%20b"), std::string("unix:/a?b"), std::string("unix:/a#b"),
        std::string("unix:/a\nb"), std::string("unix:/a\0b", 9)}) {
    EXPECT_NE(error(bad).find("may not hold control characters, '%', '?' or '#'"),
              std::string::npos)
        << bad;
  }
}

}  // namespace
}  // namespace kairos::tso
