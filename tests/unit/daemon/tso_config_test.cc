#include "daemon/tso_config.h"

#include <gtest/gtest.h>

#include "daemon/config.h"

namespace kairos::daemon {
namespace {

TEST(TsoConfig, EmbeddedDefaultHasTheDocumentedValues) {
  Result<Config> c = parse_config(default_config_text(), "default");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->grpc_listen, "127.0.0.1:11190");
  EXPECT_EQ(c->tso.store, "file");
  EXPECT_EQ(c->tso.window, seconds(3));
  EXPECT_EQ(c->tso.panic_threshold, seconds(10));
  EXPECT_EQ(c->tso.max_timestamp_count, 262144);
  EXPECT_EQ(c->tso.sequence_block, 1000000);
  EXPECT_EQ(c->tso.busy_poll, microseconds(50));
}

TEST(TsoConfig, SectionIsRead) {
  Result<Config> c = parse_config(
      "grpc_listen = \"off\"\n[tso]\nwindow = \"50ms\"\nsequence_block = 10\nbusy_poll = \"0s\"\n",
      "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->grpc_listen, "off");
  EXPECT_EQ(c->tso.window, milliseconds(50));
  EXPECT_EQ(c->tso.sequence_block, 10);
  EXPECT_EQ(c->tso.busy_poll, Duration::zero());
}

TEST(TsoConfig, BadValuesNameTheKeyAndLine) {
  auto error = [](const char* text) { return parse_config(text, "k.toml").status().message(); };
  EXPECT_EQ(error("[tso]\nstore = \"redis\"\n"),
            "k.toml:2: tso.store: unknown store 'redis' (use \"file\" or \"etcd\")");
  EXPECT_EQ(error("[tso]\nwindow = \"5s\"\npanic_threshold = \"4s\"\n"),
            "k.toml:3: tso.panic_threshold: must be larger than tso.window");
  EXPECT_NE(error("[tso]\nmax_timestamp_count = 300000\n").find("tso.max_timestamp_count"),
            std::string::npos);
  EXPECT_EQ(error("[tso]\nbusy_poll = \"20ms\"\n"),
            "k.toml:2: tso.busy_poll: must be between 0 (off) and 10ms");
  EXPECT_EQ(error("[tso]\nwindw = \"1s\"\n"), "k.toml:2: unknown key 'tso.windw'");
  EXPECT_EQ(error("grpc_listen = \"localhost\"\n"),
            "k.toml:1: grpc_listen: 'localhost' needs a port from 0 to 65535 (HOST:PORT or "
            "unix:PATH)");
  EXPECT_EQ(error("grpc_listen = \"127.0.0.1:70000\"\n"),
            "k.toml:1: grpc_listen: port must be a number from 0 to 65535 in '127.0.0.1:70000'");
}

TEST(TsoConfig, EtcdKeys) {
  Result<Config> c = parse_config(
      "[tso]\nstore = \"etcd\"\netcd_endpoints = [\"127.0.0.1:2379\", \"http://127.0.0.1:2479\"]\n"
      "etcd_lease_ttl = \"3s\"\nadvertise = \"127.0.0.1:11191\"\n",
      "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tso.store, "etcd");
  EXPECT_EQ(c->tso.etcd_endpoints.size(), 2u);
  EXPECT_EQ(c->tso.etcd_lease_ttl, seconds(3));
  EXPECT_EQ(c->tso.advertise, "127.0.0.1:11191");
  auto error = [](const char* text) { return parse_config(text, "k.toml").status().message(); };
  EXPECT_NE(error("[tso]\netcd_endpoints = []\n").find("at least one"), std::string::npos);
  EXPECT_NE(error("[tso]\netcd_endpoints = [\"nohost\"]\n").find("not HOST:PORT"),
            std::string::npos);
  EXPECT_NE(error("[tso]\netcd_lease_ttl = \"1s\"\n").find("etcd's minimum"), std::string::npos);
  EXPECT_NE(error("[tso]\netcd_prefix = \"/x\"\n").find("end in '/'"), std::string::npos);
}

TEST(TsoConfig, GrpcListen) {
  EXPECT_TRUE(validate_grpc_listen("off").ok());
  EXPECT_TRUE(validate_grpc_listen("127.0.0.1:0").ok());
  EXPECT_TRUE(validate_grpc_listen("[::1]:11190").ok());
  EXPECT_FALSE(validate_grpc_listen(":80").ok());
  EXPECT_FALSE(validate_grpc_listen("host:").ok());
  EXPECT_FALSE(validate_grpc_listen("host:8x").ok());
  EXPECT_FALSE(validate_grpc_listen("host").ok());  // a port must be written
  EXPECT_TRUE(validate_grpc_listen("unix:/run/kairos/tso.sock").ok());
  EXPECT_EQ(validate_grpc_listen("unix:").message(), "empty socket path in 'unix:'");
}

TEST(TsoConfig, AWildcardListenAddressNeedsAdvertiseWithEtcd) {
  auto check = [](const std::string& text) {
    Result<Config> c = parse_config(text, "k.toml");
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? validate_tso_against_listen(*c) : c.status();
  };
  const std::string etcd = "[tso]\nstore = \"etcd\"\n";
  EXPECT_TRUE(check("grpc_listen = \"0.0.0.0:11190\"\n").ok());  // file store: no leader
  EXPECT_TRUE(check("grpc_listen = \"127.0.0.5:11190\"\n" + etcd).ok());
  EXPECT_TRUE(check("grpc_listen = \"unix:/run/kairos/tso.sock\"\n" + etcd).ok());
  EXPECT_TRUE(
      check("grpc_listen = \"0.0.0.0:11190\"\n" + etcd + "advertise = \"127.0.0.5:11190\"\n").ok());
  const Status wild = check("grpc_listen = \"0.0.0.0:11190\"\n" + etcd);
  EXPECT_EQ(wild.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wild.message().find("set tso.advertise"), std::string::npos) << wild.message();
  EXPECT_FALSE(check("grpc_listen = \"[::]:11190\"\n" + etcd).ok());
  EXPECT_FALSE(check("grpc_listen = \"127.0.0.1:0\"\n" + etcd).ok());
}

TEST(TsoConfig, SocketModeIsOctalAndOnlyForAUnixSocket) {
  const std::string unix_listen = "grpc_listen = \"unix:/run/kairos/tso.sock\"\n";
  Result<Config> c = parse_config(unix_listen + "[tso]\nsocket_mode = \"0660\"\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tso.socket_mode, 0660u);
  EXPECT_TRUE(validate_tso_against_listen(*c).ok());
  EXPECT_EQ(parse_socket_mode("640").value(), 0640u);
  EXPECT_EQ(parse_socket_mode("0000").value(), 0u);
  for (const char* bad : {"", "66", "0o660", "0680", "1777", "07777", "rw-rw----", "-660"}) {
    const Result<std::uint32_t> m = parse_socket_mode(bad);
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_NE(m.status().message().find("is not a permission mode"), std::string::npos);
  }
  const Status bad_key =
      parse_config(unix_listen + "[tso]\nsocket_mode = \"0960\"\n", "k.toml").status();
  EXPECT_NE(bad_key.message().find("socket_mode"), std::string::npos) << bad_key.message();
  // A number is not read as octal by TOML (0660 is no TOML integer, 660 would be decimal).
  EXPECT_FALSE(parse_config(unix_listen + "[tso]\nsocket_mode = 660\n", "k.toml").ok());
  // Unset: the umask decides.
  c = parse_config(unix_listen, "k.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->tso.socket_mode.has_value());
  // On TCP the key would do nothing: refused, naming both keys.
  c = parse_config("[tso]\nsocket_mode = \"0660\"\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Status tcp = validate_tso_against_listen(*c);
  EXPECT_EQ(tcp.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tcp.message().find("tso.socket_mode is for a Unix socket, but grpc_listen is "
                               "'127.0.0.1:11190'"),
            std::string::npos)
      << tcp.message();
}

TEST(TsoConfig, EtcdIsReachedOverTcpAndAdvertiseMayBeAUnixSocket) {
  auto error = [](const char* text) { return parse_config(text, "k.toml").status().message(); };
  EXPECT_NE(error("[tso]\netcd_endpoints = [\"unix:/run/etcd.sock\"]\n").find("not HOST:PORT"),
            std::string::npos);
  EXPECT_NE(error("[tso]\nadvertise = \"127.0.0.1:0\"\n").find("needs a port from 1"),
            std::string::npos);
  Result<Config> c = parse_config("[tso]\nadvertise = \"unix:/run/kairos/tso.sock\"\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tso.advertise, "unix:/run/kairos/tso.sock");
}

}  // namespace
}  // namespace kairos::daemon
