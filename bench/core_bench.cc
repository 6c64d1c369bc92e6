// Core time types: the conversions on every packet's path.
#include <benchmark/benchmark.h>

#include "kairos/clock.h"
#include "kairos/ntp_timestamp.h"

namespace kairos {
namespace {

void BM_NtpFromUnix(benchmark::State& state) {
  UnixTime t(seconds(1'700'000'000) + nanoseconds(123'456'789));
  for (auto _ : state) {
    benchmark::DoNotOptimize(NtpTimestamp::from_unix(t));
    t += nanoseconds(1);
  }
}
BENCHMARK(BM_NtpFromUnix);

void BM_NtpToUnix(benchmark::State& state) {
  const NtpTimestamp t = NtpTimestamp::from_unix(UnixTime(seconds(1'700'000'000)));
  for (auto _ : state) benchmark::DoNotOptimize(t.to_unix());
}
BENCHMARK(BM_NtpToUnix);

void BM_SystemClockRealtime(benchmark::State& state) {
  const Clock& c = SystemClock::instance();
  for (auto _ : state) benchmark::DoNotOptimize(c.realtime());
}
BENCHMARK(BM_SystemClockRealtime);

}  // namespace
}  // namespace kairos
