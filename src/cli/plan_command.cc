// `kairos plan`: the poll interval and number of servers that keep nodes within delta,
// from the sync engine's own model, with the reasoning in one paragraph (and, with
// --verify, a simulation that checks it).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/finite_range.h"
#include "sim/plan.h"

namespace kairos::cli {
namespace {

struct PlanFlags {
  double drift_ppm = 15.0;
  std::string jitter;
  std::string delta;
  std::string delay;
  std::string root_dispersion = "10us";
  int falsetickers = 1;
  int unreachable = 0;
  bool verify = false;
  std::uint64_t seed = 1;
};

bool parse(const std::string& flag, const std::string& value, Duration& out) {
  Result<Duration> d = parse_duration(value);
  if (!d.ok()) {
    std::fprintf(stderr, "kairos plan: %s: %s\n", flag.c_str(), d.status().message().c_str());
    return false;
  }
  out = *d;
  return true;
}

int run_plan(const PlanFlags& f) {
  sim::PlanInput in;
  in.drift_ppm = f.drift_ppm;
  in.falsetickers = f.falsetickers;
  in.unreachable = f.unreachable;
  if (!parse("--jitter", f.jitter, in.jitter) || !parse("--delta", f.delta, in.delta) ||
      !parse("--root-dispersion", f.root_dispersion, in.server_root_dispersion)) {
    return 2;
  }
  in.delay = in.jitter;
  if (!f.delay.empty() && !parse("--delay", f.delay, in.delay)) return 2;
  Result<sim::Plan> plan = sim::make_plan(in);
  if (!plan.ok()) {
    std::fprintf(stderr, "kairos plan: %s\n", plan.status().message().c_str());
    return 2;
  }
  if (plan->feasible) {
    std::printf("poll interval: %s (poll %d; maxpoll = %d, target_delta = %s)\nservers: %d\n\n",
                format_duration(seconds(std::int64_t{1} << plan->poll_log2)).c_str(),
                plan->poll_log2, plan->poll_log2, format_duration(in.delta).c_str(), plan->servers);
  } else {
    std::printf("poll interval: none keeps the bound within %s on this path\nservers: %d\n\n",
                format_duration(in.delta).c_str(), plan->servers);
  }
  std::printf("%s\n", plan->reasoning.c_str());
  if (!f.verify || !plan->feasible) return plan->feasible ? 0 : 1;
  Result<sim::PlanCheck> c = sim::verify_plan(in, *plan, f.seed);
  if (!c.ok()) {
    std::fprintf(stderr, "kairos plan: --verify: %s\n", c.status().message().c_str());
    return 1;
  }
  std::printf(
      "\nverify: simulated %d nodes for %s (seed %llu) with %d servers (%d lying by 20·delta, "
      "%d down): after %s of warm-up, max |error| %s, max bound %s, %lld bound violations, "
      "%lld falseticker selections: %s\n",
      c->nodes, format_duration(c->simulated).c_str(), static_cast<unsigned long long>(c->seed),
      plan->servers, in.falsetickers, in.unreachable, format_duration(c->warmup).c_str(),
      format_duration(c->max_abs_error).c_str(), format_duration(c->max_bound).c_str(),
      static_cast<long long>(c->violations), static_cast<long long>(c->falseticker_selections),
      c->held ? "HELD (within delta)" : "NOT HELD");
  return c->held ? 0 : 1;
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<PlanFlags>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "How often to poll and how many servers keep nodes within DELTA of true time, from the\n"
      "sync engine's own error-bound model; prints the reasoning (docs/simulator.md).");
  cmd->add_option("--drift-ppm", flags->drift_ppm,
                  "How far the clock's frequency may move away from the engine's estimate "
                  "(wander, temperature), in ppm; the bound grows at this rate (the engine's "
                  "max_drift_ppm, default 15)")
      ->check(finite_range(1e-6, 1000.0));
  cmd->add_option("--jitter", flags->jitter,
                  "Network delay variation, one way (e.g. \"20us\", \"2ms\")")
      ->required();
  cmd->add_option("--delta", flags->delta, "Wanted bound on |node time − true time| (e.g. \"1ms\")")
      ->required();
  cmd->add_option("--delay", flags->delay,
                  "One-way base delay to the servers (default: the jitter)");
  cmd->add_option("--root-dispersion", flags->root_dispersion,
                  "The servers' own error budget, as they report it (default: 10us)");
  cmd->add_option("--falsetickers", flags->falsetickers, "Lying servers to outvote (default: 1)")
      ->check(CLI::Range(0, 20));
  cmd->add_option("--unreachable", flags->unreachable,
                  "Servers that may be down at the same time (default: 0)")
      ->check(CLI::Range(0, 20));
  cmd->add_flag("--verify", flags->verify,
                "Check the answer in the simulator (5 nodes, liars lying by 20·delta) and "
                "print what it measured; exit 1 if the nodes left delta");
  cmd->add_option("--seed", flags->seed, "Seed of the --verify simulation (default: 1)");
  cmd->callback([flags, &exit_code] { exit_code = run_plan(*flags); });
}

}  // namespace kairos::cli
