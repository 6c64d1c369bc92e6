#include "sim/scenario_reader.h"

#include <gtest/gtest.h>

#include "scenario_files.h"

namespace kairos::sim {
namespace {

constexpr const char* kMinimal = R"(
[links.lan]
delay = "50us"

[[server]]
name = "s1"

[[node]]
name = "app"
upstreams = ["s1"]
)";

TEST(ScenarioReader, EveryShippedScenarioParses) {
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(testing::examples_dir())) {
    if (e.path().extension() != ".toml") continue;
    Result<Scenario> sc = testing::load_example(e.path().stem().string());
    ASSERT_TRUE(sc.ok()) << sc.status().message();
    EXPECT_EQ(sc->name, e.path().stem().string());
    ++count;
  }
  EXPECT_GE(count, 5);
}

TEST(ScenarioReader, MinimalScenarioTakesTheDefaults) {
  Result<Scenario> sc = parse_scenario(kMinimal, "min.toml");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->duration, minutes(10));
  EXPECT_EQ(sc->seed, 1u);
  ASSERT_EQ(sc->links.size(), 1u);
  EXPECT_EQ(sc->links[0].delay, microseconds(50));
  EXPECT_EQ(sc->links[0].distribution, JitterDistribution::kExponential);
  ASSERT_EQ(sc->nodes.size(), 1u);
  EXPECT_EQ(sc->nodes[0].count, 1);
  EXPECT_EQ(sc->nodes[0].engine.minpoll, sync::EngineConfig{}.minpoll);
}

TEST(ScenarioReader, ReadsEveryKindOfValue) {
  Result<Scenario> sc = parse_scenario(R"(
[scenario]
name = "x"
duration = "1h"
seed = 42
sample_interval = "5s"
[links.wan]
delay = "30ms"
asymmetry = "-4ms"
distribution = "spikes"
spike_probability = 0.5
loss = 0.25
outages = [["1m", "2m"], ["3m", "4m"]]
[[server]]
name = "liar"
kind = "falseticker"
lie = "-5ms"
lie_drift_ppm = 3
[[node]]
name = "app"
count = 7
upstreams = ["liar"]
drift_ppm = -12.5
steps = [["10m", "-2ms"]]
announce_steps = false
[node.engine]
maxpoll = 8
target_delta = "1ms"
allow_step = true
)",
                                       "x.toml");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->seed, 42u);
  EXPECT_EQ(sc->sample_interval, seconds(5));
  EXPECT_EQ(sc->links[0].asymmetry, -milliseconds(4));
  EXPECT_EQ(sc->links[0].distribution, JitterDistribution::kSpikes);
  ASSERT_EQ(sc->links[0].outages.size(), 2u);
  EXPECT_EQ(sc->links[0].outages[1].from, minutes(3));
  EXPECT_EQ(sc->servers[0].kind, ServerKind::kFalseticker);
  EXPECT_EQ(sc->servers[0].lie, -milliseconds(5));
  EXPECT_EQ(sc->nodes[0].count, 7);
  EXPECT_DOUBLE_EQ(sc->nodes[0].drift_ppm, -12.5);
  ASSERT_EQ(sc->nodes[0].steps.size(), 1u);
  EXPECT_EQ(sc->nodes[0].steps[0].amount, -milliseconds(2));
  EXPECT_FALSE(sc->nodes[0].announce_steps);
  EXPECT_EQ(sc->nodes[0].engine.maxpoll, 8);
  EXPECT_EQ(sc->nodes[0].engine.target_delta, milliseconds(1));
  EXPECT_TRUE(sc->nodes[0].engine.allow_step);
}

void expect_error(const std::string& text, const std::string& needle) {
  Result<Scenario> sc = parse_scenario(text, "bad.toml");
  ASSERT_FALSE(sc.ok()) << "accepted:\n" << text;
  EXPECT_NE(sc.status().message().find(needle), std::string::npos) << sc.status().message();
}

TEST(ScenarioReader, UnknownKeyNamesKeyAndLine) {
  expect_error(std::string(kMinimal) + "drift_pmm = 3\n",
               "bad.toml:11: unknown key 'node[0].drift_pmm'");
  expect_error("[scenario]\nname = \"x\"\nspeed = 2\n", "bad.toml:3: unknown key 'scenario.speed'");
  expect_error(std::string(kMinimal) + "[node.engine]\nminpol = 4\n", "node[0].engine.minpol");
  expect_error(std::string(kMinimal) + "[extra]\n", "unknown key 'extra'");
}

TEST(ScenarioReader, BadValuesAreNamed) {
  expect_error("[scenario]\nduration = 5\n", "scenario.duration: expected a duration");
  expect_error("[scenario]\nduration = \"0s\"\n", "scenario.duration: must be between");
  expect_error("[links.l]\nloss = 1.5\n", "links.l.loss: must be between 0 and 1");
  expect_error("[links.l]\ndistribution = \"gauss\"\n", "links.l.distribution");
  expect_error("[links.l]\ndelay = \"1ms\"\nasymmetry = \"3ms\"\n", "links.l.asymmetry");
  expect_error("[links.l]\noutages = [[\"2m\", \"1m\"]]\n", "links.l.outages");
  expect_error("[[server]]\nname = \"s\"\nkind = \"evil\"\n", "server[0].kind");
  expect_error("[[server]]\nname = \"s\"\nstratum = 16\n", "server[0].stratum");
  expect_error(std::string(kMinimal) + "count = 0\n", "node[0].count");
  expect_error(std::string(kMinimal) + "[node.engine]\nminpoll = 8\nmaxpoll = 7\n",
               "node[0].engine.maxpoll: must be >= minpoll");
  expect_error("[scenario\n", "bad.toml:1:");
}

TEST(ScenarioReader, CrossReferencesAreChecked) {
  expect_error("[links.l]\n[[server]]\nname = \"s\"\n", "no [[node]]");
  expect_error("[links.l]\n[[node]]\nname = \"a\"\nupstreams = [\"nobody\"]\n",
               "upstream 'nobody' is neither");
  expect_error("[links.l]\n[[node]]\nname = \"a\"\nupstreams = [\"a\"]\n", "cannot poll itself");
  expect_error(
      "[links.l]\n[links.m]\n[[server]]\nname = \"s\"\n[[node]]\nname = \"a\"\n"
      "upstreams = [\"s\"]\n",
      "set link");
  expect_error("[links.l]\n[[server]]\nname = \"s\"\n[[server]]\nname = \"s\"\n", "used twice");
  expect_error("[links.l]\n[[server]]\nname = \"a b\"\n", "must be 1-64 characters");
  expect_error(
      "[links.l]\n[[node]]\nname = \"big\"\ncount = 65\nupstreams = [\"x\"]\n"
      "[[node]]\nname = \"x\"\ncount = 65\nupstreams = [\"big\"]\n",
      "at most 64");
  expect_error(
      "[scenario]\nduration = \"8760h\"\nsample_interval = \"10ms\"\n" + std::string(kMinimal),
      "samples");
}

}  // namespace
}  // namespace kairos::sim
