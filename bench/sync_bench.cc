// The sync engine: one full update (clock filter + selection + clustering + combine +
// drift + discipline + poll) over 8 sources, each with a full filter. Target: <= 20 µs.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sync/engine.h"

namespace kairos::sync {
namespace {

Exchange exchange_at(UnixTime t, std::uint64_t i, int source) {
  // Offsets a few hundred µs apart, delays varying by source and sample.
  const Duration out = microseconds(200 + static_cast<std::int64_t>((i * 37 + source * 11) % 150));
  const Duration back = microseconds(200 + static_cast<std::int64_t>((i * 53 + source * 7) % 150));
  Exchange x;
  x.t1 = t;
  x.t2 = t + out + microseconds(source * 20);
  x.t3 = x.t2 + microseconds(5);
  x.t4 = x.t3 - microseconds(source * 20) + back;
  x.server.stratum = 2;
  x.server.root_delay = microseconds(400);
  x.server.root_dispersion = microseconds(300);
  x.server.leap = Leap::kNone;
  return x;
}

void BM_EngineUpdate8Sources(benchmark::State& state) {
  Engine engine;
  MonoTime mono(seconds(1000));
  UnixTime sys(seconds(1'780'000'000));
  std::vector<SourceId> ids;
  for (int s = 0; s < 8; ++s) ids.push_back(*engine.add_source({"s" + std::to_string(s), 1}, mono));
  std::uint64_t i = 0;
  // Warm up: full filters and a synchronized engine.
  for (; i < 64; ++i) {
    for (int s = 0; s < 8; ++s) {
      (void)engine.on_poll_sent(ids[static_cast<std::size_t>(s)], mono);
      (void)engine.on_sample(ids[static_cast<std::size_t>(s)], exchange_at(sys, i, s), mono);
    }
    (void)engine.update(mono, sys);
    mono += seconds(16);
    sys += seconds(16);
  }
  for (auto _ : state) {
    const int s = static_cast<int>(i % 8);
    (void)engine.on_poll_sent(ids[static_cast<std::size_t>(s)], mono);
    (void)engine.on_sample(ids[static_cast<std::size_t>(s)], exchange_at(sys, i, s), mono);
    UpdateResult r = engine.update(mono, sys);
    benchmark::DoNotOptimize(r);
    ++i;
    mono += seconds(2);
    sys += seconds(2);
  }
  if (engine.snapshot().status != SyncStatus::kSynchronized)
    state.SkipWithError("not synchronized");
}
BENCHMARK(BM_EngineUpdate8Sources);

}  // namespace
}  // namespace kairos::sync
