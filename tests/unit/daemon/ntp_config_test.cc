#include <gtest/gtest.h>

#include "daemon/config.h"

namespace kairos::daemon {
namespace {

TEST(NtpConfigTest, DefaultsFromTheEmbeddedConfig) {
  Result<Config> c = parse_config(default_config_text(), "default");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ntp.listen, "127.0.0.1:11123");
  EXPECT_EQ(c->ntp.local_stratum, 10);
  EXPECT_TRUE(c->ntp.rate_limit);
  EXPECT_FALSE(c->ntp.rate_limit_loopback);
  EXPECT_EQ(c->ntp.rate_limit_action, "kod");
}

TEST(NtpConfigTest, ReadsEveryKey) {
  Result<Config> c = parse_config(
      "[ntp]\nlisten = \"[::1]:1234\"\nlocal_stratum = 3\nthreads = 2\nrate_limit = false\n"
      "rate_limit_per_second = 0.5\nrate_limit_burst = 4\nrate_limit_action = \"drop\"\n"
      "rate_limit_loopback = true\nrate_limit_clients = 128\n",
      "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ntp.listen, "[::1]:1234");
  EXPECT_EQ(c->ntp.local_stratum, 3);
  EXPECT_EQ(c->ntp.threads, 2);
  EXPECT_FALSE(c->ntp.rate_limit);
  EXPECT_DOUBLE_EQ(c->ntp.rate_limit_per_second, 0.5);
  EXPECT_EQ(c->ntp.rate_limit_burst, 4);
  EXPECT_EQ(c->ntp.rate_limit_action, "drop");
  EXPECT_TRUE(c->ntp.rate_limit_loopback);
  EXPECT_EQ(c->ntp.rate_limit_clients, 128);
  EXPECT_TRUE(parse_config("[ntp]\nlisten = \"off\"\n", "k.toml")->ntp.listen == "off");
}

TEST(NtpConfigTest, BadValuesNameFileLineAndKey) {
  Result<Config> c = parse_config("[ntp]\nlocal_stratum = 16\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("k.toml:2: ntp.local_stratum"), std::string::npos)
      << c.status().message();
  c = parse_config("[ntp]\nlisten = \"127.0.0.1\"\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ntp.listen"), std::string::npos) << c.status().message();
  c = parse_config("[ntp]\nrate_limit_action = \"shout\"\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ntp.rate_limit_action"), std::string::npos);
  c = parse_config("[ntp]\nbogus = 1\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown key 'ntp.bogus'"), std::string::npos);
}

}  // namespace
}  // namespace kairos::daemon
