// The [shm] section of the daemon's config.
#include <gtest/gtest.h>

#include "daemon/config.h"

namespace kairos::daemon {
namespace {

TEST(ShmConfig, DefaultsAndKeys) {
  Result<Config> d = parse_config(default_config_text(), "default");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->shm.name, "/kairos");
  EXPECT_EQ(d->shm.stale_after, seconds(10));
  EXPECT_EQ(d->shm.heartbeat_interval, seconds(1));
  EXPECT_TRUE(d->shm.enabled());

  Result<Config> c = parse_config(
      "[shm]\nname = \"/other\"\nstale_after = \"3s\"\nheartbeat_interval = \"250ms\"\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->shm.name, "/other");
  EXPECT_EQ(c->shm.stale_after, seconds(3));
  EXPECT_EQ(c->shm.heartbeat_interval, milliseconds(250));

  Result<Config> off = parse_config("[shm]\nname = \"off\"\n", "k.toml");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->shm.enabled());
}

TEST(ShmConfig, BadValuesNameTheKeyAndLine) {
  Result<Config> name = parse_config("[shm]\nname = \"kairos\"\n", "k.toml");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().message().rfind("k.toml:2: shm.name: shm name 'kairos' must be", 0), 0u)
      << name.status().message();

  Result<Config> ages = parse_config("[shm]\nstale_after = \"1s\"\nheartbeat_interval = \"2s\"\n",
                                     "k.toml");
  ASSERT_FALSE(ages.ok());
  EXPECT_NE(ages.status().message().find("k.toml:2: shm.stale_after:"), std::string::npos)
      << ages.status().message();

  Result<Config> unknown = parse_config("[shm]\nnmae = \"/x\"\n", "k.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "k.toml:2: unknown key 'shm.nmae'");
}

}  // namespace
}  // namespace kairos::daemon
