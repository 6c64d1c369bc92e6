// Logical clocks: the per-stamp costs (HLC, Lamport, vector clock merge, ITC round, Swarm
// issue + format) and the ITC encoded size against the number of replicas.
#include <benchmark/benchmark.h>

#include <deque>
#include <random>
#include <vector>

#include "kairos/logical/hlc.h"
#include "kairos/logical/itc.h"
#include "kairos/logical/lamport.h"
#include "kairos/logical/sequence.h"
#include "kairos/logical/swarm_stamp.h"
#include "kairos/logical/version_vector.h"

namespace kairos::logical {
namespace {

void BM_HlcNow(benchmark::State& state) {
  HybridLogicalClock c;
  UnixTime pt(milliseconds(1'700'000'000'000));
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.now(pt));
    pt += microseconds(10);
  }
}
BENCHMARK(BM_HlcNow);

void BM_AtomicHlcNow(benchmark::State& state) {
  static AtomicHybridLogicalClock c;
  UnixTime pt(milliseconds(1'700'000'000'000));
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.now(pt));
    pt += microseconds(10);
  }
}
BENCHMARK(BM_AtomicHlcNow);
BENCHMARK(BM_AtomicHlcNow)->Threads(2);

void BM_HlcUpdate(benchmark::State& state) {
  HybridLogicalClock c;
  UnixTime pt(milliseconds(1'700'000'000'000));
  const HlcTimestamp remote = HlcTimestamp::from_parts(1'700'000'000'000, 5);
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.update(remote, pt));
    pt += microseconds(10);
  }
}
BENCHMARK(BM_HlcUpdate);

void BM_LamportTick(benchmark::State& state) {
  LamportClock c(1);
  for (auto _ : state) benchmark::DoNotOptimize(c.tick());
}
BENCHMARK(BM_LamportTick);

void BM_VectorClockMerge(benchmark::State& state) {
  const auto n = static_cast<NodeId>(state.range(0));
  std::mt19937_64 rng(1);
  VersionVector a, b;
  for (NodeId i = 0; i < n; ++i) {
    a.set(i * 7, 1 + rng() % 1000);
    b.set(i * 7, 1 + rng() % 1000);
  }
  for (auto _ : state) {
    VersionVector x = a;  // copy outside the measured merge would hide nothing: reported too
    benchmark::DoNotOptimize(x);
    x.merge(b);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_VectorClockMerge)->Arg(64);

void BM_VectorClockMergeInPlace(benchmark::State& state) {
  const auto n = static_cast<NodeId>(state.range(0));
  std::mt19937_64 rng(1);
  VersionVector a, b;
  for (NodeId i = 0; i < n; ++i) {
    a.set(i * 7, 1 + rng() % 1000);
    b.set(i * 7, 1 + rng() % 1000);
  }
  for (auto _ : state) {
    a.merge(b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_VectorClockMergeInPlace)->Arg(64);

void BM_VectorClockMergeDisjoint(benchmark::State& state) {
  const auto n = static_cast<NodeId>(state.range(0));
  VersionVector a, b;
  for (NodeId i = 0; i < n; ++i) {
    a.set(2 * i, 3);
    b.set(2 * i + 1, 4);
  }
  for (auto _ : state) {
    VersionVector x = a;
    x.merge(b);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_VectorClockMergeDisjoint)->Arg(64);

// n stamps from balanced forks of `root`: breadth first, the oldest stamp forks next.
std::vector<ItcStamp> BalancedForks(const ItcStamp& root, std::size_t n) {
  std::deque<ItcStamp> q{root};
  while (q.size() < n) {
    auto [a, b] = q.front().fork();
    q.pop_front();
    q.push_back(std::move(a));
    q.push_back(std::move(b));
  }
  return {q.begin(), q.end()};
}

// One round of the issue's ITC benchmark: a replica forks a helper, both record an event,
// and the helper is joined back, in a system of 16 replicas with some history.
void BM_ItcForkEventJoin(benchmark::State& state) {
  std::mt19937_64 rng(1);
  std::vector<ItcStamp> rs = BalancedForks(ItcStamp::seed(), 16);
  for (int round = 0; round < 4; ++round) {
    for (auto& r : rs) {
      if (rng() % 2) (void)r.event();
    }
    ItcStamp all = rs[0];
    for (std::size_t i = 1; i < rs.size(); ++i) all = *ItcStamp::join(all, rs[i]);
    rs = BalancedForks(all, 16);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    ItcStamp& r = rs[i++ % rs.size()];
    auto [a, b] = r.fork();
    (void)a.event();
    (void)b.event();
    r = *ItcStamp::join(a, b);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ItcForkEventJoin);

// Encoded size, as in the issue: balanced forks to n replicas, 10 rounds of random events
// (each replica records an event with probability 1/2) with a full sync after each round
// (join all, fork back). Reported: mean bytes of a replica's stamp, and of a version
// vector over the same replicas (node ids 0..n-1, LEB128 varints).
void BM_ItcEncodedSize(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  double itc_bytes = 0, vv_bytes = 0;
  for (auto _ : state) {
    std::mt19937_64 rng(42);
    std::vector<ItcStamp> rs = BalancedForks(ItcStamp::seed(), n);
    VersionVector vv;
    for (int round = 0; round < 10; ++round) {
      for (std::size_t k = 0; k < rs.size(); ++k) {
        if (rng() % 2) {
          (void)rs[k].event();
          vv.increment(k);
        }
      }
      ItcStamp all = rs[0];
      for (std::size_t k = 1; k < rs.size(); ++k) all = *ItcStamp::join(all, rs[k]);
      rs = BalancedForks(all, n);
    }
    std::size_t total = 0;
    for (const ItcStamp& s : rs) total += s.encode().size();
    itc_bytes = static_cast<double>(total) / static_cast<double>(n);
    vv_bytes = static_cast<double>(vv.encode().size());
  }
  state.counters["itc_bytes"] = itc_bytes;
  state.counters["vv_bytes"] = vv_bytes;
}
BENCHMARK(BM_ItcEncodedSize)->RangeMultiplier(2)->Range(1, 256)->Arg(16)->Iterations(1);

void BM_SwarmIssueAndFormat(benchmark::State& state) {
  SwarmClock c = *SwarmClock::create(SwarmScheme::kSecondPrecise, "gritzko", "ssn");
  UnixTime t = kSwarmEpoch2014 + seconds(142'374'344);
  std::string out;
  for (auto _ : state) {
    (void)c.issue(t, out);
    benchmark::DoNotOptimize(out.data());
    t += microseconds(300);
  }
}
BENCHMARK(BM_SwarmIssueAndFormat);

void BM_SequenceNext(benchmark::State& state) {
  static SequenceAllocator a;
  for (auto _ : state) benchmark::DoNotOptimize(a.next());
}
BENCHMARK(BM_SequenceNext);

}  // namespace
}  // namespace kairos::logical
