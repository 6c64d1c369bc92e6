// Bounded now() against clock_gettime(CLOCK_REALTIME), in the same run: single-threaded,
// and with a writer thread updating the segment at 10 kHz. Run the binary under
// `taskset -c 0` (the reader); the writer thread moves itself to CPU 1.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "kairos/bounded_clock.h"
#include "shm/shm_writer.h"

namespace kairos {
namespace {

struct Segment {
  Segment() {
    shm::ShmWriterOptions o;
    o.name = "/kairos-bench-" + std::to_string(::getpid());
    writer = shm::ShmWriter::create(o, SystemClock::instance()).value();
    writer->publish(local_clock_snapshot(SystemClock::instance().realtime(), 1));
    reader.open(o.name);
  }
  std::unique_ptr<shm::ShmWriter> writer;
  BoundedClock reader;
};

Segment& segment() {
  static Segment s;
  return s;
}

// Publishes a fresh snapshot every 100 us on CPU 1 while alive.
class ConcurrentWriter {
 public:
  explicit ConcurrentWriter(shm::ShmWriter& w) {
    thread_ = std::thread([this, &w] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(1, &set);
      pthread_setaffinity_np(pthread_self(), sizeof set, &set);
      const Clock& clock = SystemClock::instance();
      MonoTime next = clock.monotonic();
      while (!stop_.load(std::memory_order_relaxed)) {
        ClockSnapshot s = local_clock_snapshot(clock.realtime(), 1);
        s.frequency_ppm = (updates_ % 2 == 0) ? 1.0 : -1.0;
        w.publish(s);
        ++updates_;
        next += microseconds(100);
        clock.sleep_until(next);
      }
    });
  }
  ~ConcurrentWriter() {
    stop_ = true;
    thread_.join();
  }
  std::uint64_t updates() const { return updates_; }

 private:
  std::atomic<bool> stop_{false};
  std::uint64_t updates_ = 0;  // read after join
  std::thread thread_;
};

void BM_ClockGettimeRealtime(benchmark::State& state) {
  for (auto _ : state) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_ClockGettimeRealtime);

void BM_BoundedNow(benchmark::State& state) {
  const BoundedClock& c = segment().reader;
  for (auto _ : state) {
    TimeInterval i;
    benchmark::DoNotOptimize(c.now(i));
    benchmark::DoNotOptimize(i);
  }
}
BENCHMARK(BM_BoundedNow);

void BM_ClockGettimeRealtime_WriterAt10kHz(benchmark::State& state) {
  auto w = std::make_unique<ConcurrentWriter>(*segment().writer);
  for (auto _ : state) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    benchmark::DoNotOptimize(ts);
  }
  w.reset();
}
BENCHMARK(BM_ClockGettimeRealtime_WriterAt10kHz)->UseRealTime();

void BM_BoundedNow_WriterAt10kHz(benchmark::State& state) {
  const BoundedClock& c = segment().reader;
  auto w = std::make_unique<ConcurrentWriter>(*segment().writer);
  for (auto _ : state) {
    TimeInterval i;
    benchmark::DoNotOptimize(c.now(i));
    benchmark::DoNotOptimize(i);
  }
  w.reset();
}
BENCHMARK(BM_BoundedNow_WriterAt10kHz)->UseRealTime();

}  // namespace
}  // namespace kairos
