#include "daemon/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace kairos::daemon {
namespace {

TEST(Config, EmbeddedDefaultParses) {
  Result<Config> c = parse_config(default_config_text(), "default");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_level, "info");
  EXPECT_TRUE(c->state_dir.empty());
}

TEST(Config, UnknownKeyNamesTheKeyAndLine) {
  Result<Config> c = parse_config("log_level = \"info\"\n\nlog_levle = \"debug\"\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "k.toml:3: unknown key 'log_levle'");
}

TEST(Config, WrongTypeNamesTheKeyAndLine) {
  Result<Config> c = parse_config("state_dir = 5\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "k.toml:1: state_dir: expected a string");
}

TEST(Config, NumbersMustBeFinite) {
  // NaN would pass the range checks after reading (every comparison with it is false).
  for (const char* text : {"[sync]\nmax_slew_ppm = nan\n", "[sync]\nmax_slew_ppm = inf\n",
                           "[testing]\nsim_clock_drift_ppm = -nan\n"}) {
    Result<Config> c = parse_config(text, "k.toml");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find("k.toml:2: "), std::string::npos) << text;
    EXPECT_NE(c.status().message().find(": expected a finite number"), std::string::npos)
        << c.status().message();
  }
  Result<Config> c = parse_config("[sync]\nmax_slew_ppm = 500\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sync.engine.max_slew_ppm, 500.0);
}

TEST(Config, BadLogLevelIsRejected) {
  Result<Config> c = parse_config("log_level = \"loud\"\n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("k.toml:1: log_level: unknown log level 'loud'"),
            std::string::npos);
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  Result<Config> c = parse_config("log_level = \n", "k.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().rfind("k.toml:1:", 0), 0u) << c.status().message();
}

TEST(Config, MissingFileIsNotFound) {
  Result<Config> c = load_config_file("/nonexistent/kairos.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("/nonexistent/kairos.toml"), std::string::npos);
}

TEST(Config, DisciplineSystemClockIsOffByDefaultAndParsed) {
  Result<Config> d = parse_config(default_config_text(), "default");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->sync.discipline_system_clock);
  EXPECT_TRUE(validate_system_clock_discipline(*d, false).ok());  // off: nothing to check
  Result<Config> c = parse_config("[sync]\ndiscipline_system_clock = true\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->sync.discipline_system_clock);
  EXPECT_TRUE(validate_system_clock_discipline(*c, true).ok());
  Result<Config> bad = parse_config("[sync]\ndiscipline_system_clock = \"yes\"\n", "k.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sync.discipline_system_clock"), std::string::npos)
      << bad.status().message();
}

TEST(Config, DisciplineSystemClockNeedsCapSysTimeAndNoSimulatedClock) {
  Result<Config> c = parse_config("[sync]\ndiscipline_system_clock = true\n", "k.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Status no_cap = validate_system_clock_discipline(*c, false);
  EXPECT_EQ(no_cap.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_cap.message().find("discipline_system_clock"), std::string::npos);
  EXPECT_NE(no_cap.message().find("CAP_SYS_TIME"), std::string::npos) << no_cap.message();
  c->testing.sim_clock_offset = milliseconds(250);
  const Status shifted = validate_system_clock_discipline(*c, true);
  EXPECT_EQ(shifted.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shifted.message().find("--sim-clock-offset"), std::string::npos) << shifted.message();
  c->testing.sim_clock_offset = Duration(0);
  c->testing.sim_clock_drift_ppm = 3.0;
  EXPECT_FALSE(validate_system_clock_discipline(*c, true).ok());
}

TEST(StateDir, CreatedWhereConfiguredOrUnderXdg) {
  const auto base =
      std::filesystem::temp_directory_path() / ("kairos-state-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  Result<std::filesystem::path> explicit_dir = prepare_state_dir(base / "a" / "b");
  ASSERT_TRUE(explicit_dir.ok()) << explicit_dir.status().ToString();
  EXPECT_TRUE(std::filesystem::is_directory(base / "a" / "b"));

  ::setenv("XDG_STATE_HOME", (base / "xdg").c_str(), 1);
  Result<std::filesystem::path> xdg = prepare_state_dir({});
  ASSERT_TRUE(xdg.ok());
  EXPECT_EQ(*xdg, base / "xdg" / "kairos");
  EXPECT_TRUE(std::filesystem::is_directory(*xdg));
  ::unsetenv("XDG_STATE_HOME");

  // A file in the way is a clear error, not a crash.
  std::filesystem::create_directories(base);
  {
    std::FILE* f = std::fopen((base / "file").c_str(), "w");
    std::fclose(f);
  }
  Result<std::filesystem::path> blocked = prepare_state_dir(base / "file" / "sub");
  EXPECT_FALSE(blocked.ok());
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace kairos::daemon
