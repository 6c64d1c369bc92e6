// The simulator: the shipped fleet-100 scenario (3 servers → 3 kairos time servers → 100
// application nodes, ten simulated minutes), without the CSV. Target: < 10 s per run on
// one core; run it pinned: `taskset -c 0 build/release/bin/sim_bench`.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "sim/scenario_reader.h"
#include "sim/simulator.h"

namespace kairos::sim {
namespace {

void BM_Fleet100TenMinutes(benchmark::State& state) {
  const std::filesystem::path p =
      std::filesystem::path(__FILE__).parent_path() / "../examples/sim/fleet-100.toml";
  std::ifstream in(p, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<Scenario> sc = parse_scenario(text, p.string());
  if (!sc.ok()) {
    state.SkipWithError(sc.status().message().c_str());
    return;
  }
  std::int64_t events = 0;
  for (auto _ : state) {
    Result<SimResult> r = run_simulation(*sc);
    events = r.ok() ? r->events : 0;
    benchmark::DoNotOptimize(events);
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["simulated_s_per_wall_s"] =
      benchmark::Counter(to_seconds(sc->duration) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Fleet100TenMinutes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kairos::sim
