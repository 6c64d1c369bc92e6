// `kairos sim SCENARIO.toml`: run a deterministic simulation of the real sync engine and
// write summary.json, timeseries.csv and plot.svg (docs/simulator.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "sim/report.h"
#include "sim/scenario_reader.h"
#include "sim/simulator.h"

namespace kairos::cli {
namespace {

struct SimFlags {
  std::string scenario;
  std::string out_dir = "sim-out";
  std::optional<std::uint64_t> seed;
  std::string duration;
};

bool write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

int run_sim(const SimFlags& flags) {
  std::ifstream in(flags.scenario, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "kairos sim: cannot read %s\n", flags.scenario.c_str());
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<sim::Scenario> scenario = sim::parse_scenario(text, flags.scenario);
  if (!scenario.ok()) {
    std::fprintf(stderr, "kairos sim: %s\n", scenario.status().message().c_str());
    return 2;
  }
  if (flags.seed) scenario->seed = *flags.seed;
  if (!flags.duration.empty()) {
    Result<Duration> d = parse_duration(flags.duration);
    if (!d.ok() || *d <= Duration(0)) {
      std::fprintf(stderr, "kairos sim: --duration: %s\n",
                   d.ok() ? "must be positive" : d.status().message().c_str());
      return 2;
    }
    scenario->duration = *d;
  }
  std::error_code ec;
  const std::filesystem::path dir(flags.out_dir);
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "kairos sim: cannot create %s: %s\n", flags.out_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  std::ofstream csv(dir / "timeseries.csv", std::ios::binary | std::ios::trunc);
  if (!csv) {
    std::fprintf(stderr, "kairos sim: cannot write %s\n", (dir / "timeseries.csv").c_str());
    return 1;
  }
  Result<sim::SimResult> result = sim::run_simulation(*scenario, &csv);
  if (!result.ok()) {
    std::fprintf(stderr, "kairos sim: %s\n", result.status().message().c_str());
    return 2;
  }
  csv.close();
  if (!csv || !write_file(dir / "summary.json", sim::summary_json(*result)) ||
      !write_file(dir / "plot.svg", sim::plot_svg(*result))) {
    std::fprintf(stderr, "kairos sim: cannot write the outputs in %s\n", flags.out_dir.c_str());
    return 1;
  }
  const sim::Overall o = sim::overall(*result);
  std::printf(
      "%s: %zu nodes, %s simulated, seed %llu\n"
      "  |error| p50 %s  p99 %s  max %s; bound held %.6f of the time (%lld violations)\n"
      "  first sync within %s; %d steps; max disagreement between nodes %s; "
      "falseticker selections %lld\n"
      "  wrote %s/summary.json, timeseries.csv, plot.svg\n",
      result->scenario.c_str(), result->nodes.size(), format_duration(result->duration).c_str(),
      static_cast<unsigned long long>(result->seed),
      format_duration(Duration(o.p50_abs_error_ns)).c_str(),
      format_duration(Duration(o.p99_abs_error_ns)).c_str(),
      format_duration(Duration(o.max_abs_error_ns)).c_str(), o.contained_fraction(),
      static_cast<long long>(o.violations), format_duration(o.max_time_to_sync).c_str(), o.steps,
      format_duration(result->max_disagreement).c_str(),
      static_cast<long long>(o.falseticker_selections), flags.out_dir.c_str());
  return 0;
}

}  // namespace

void add_sim_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sim",
      "Simulate a scenario: clocks, links and servers in virtual time, driving the real sync\n"
      "engine. Deterministic: the same scenario and seed give byte-identical outputs.\n"
      "Writes summary.json, timeseries.csv and plot.svg (docs/simulator.md).");
  cmd->add_option("scenario", flags->scenario, "Scenario TOML file (examples/sim/*.toml)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", flags->out_dir,
                  "Directory for summary.json, timeseries.csv and plot.svg; created if "
                  "missing (default: sim-out)");
  cmd->add_option("--seed", flags->seed,
                  "Seed of every random draw, overriding the scenario's [scenario] seed");
  cmd->add_option("--duration", flags->duration,
                  "Simulated time, overriding the scenario's duration (e.g. \"2m\", \"1h\")");
  cmd->callback([flags, &exit_code] { exit_code = run_sim(*flags); });
}

}  // namespace kairos::cli
