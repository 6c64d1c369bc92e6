// tso_load: drives a kairos TSO over gRPC with many concurrent callers, through the
// batching client library. Used by bench/tso_bench.sh (throughput, latency) and by
// tests/integration/tso_crash_test.sh (recording every value handed out).
//
//   tso_load load   --kind ts|seq --grpc EP[,EP] --callers 64 --duration 5s [--rate N]
//                   [--count 1] [--name N] [--api blocking|async]
//       Prints one line: kind, api, callers, calls/s, values/s, p50/p99/p999 latency in us
//       (each within 1.6%). blocking: one thread per caller. async: logical callers on
//       get_timestamps_async / next_sequence_async, closed loop, or paced open loop with
//       --rate.
//   tso_load record --kind ts|seq --grpc EP[,EP] --callers 4 --out PREFIX [--timeout 300ms]
//                   [--max-calls N] [--count 3] [--name N]
//       Each caller draws until a call fails (or max-calls) and writes every value it got,
//       one per line, to PREFIX.<caller>; exits 0. Values are exactly those returned.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/latency_histogram.h"
#include "kairos/clock.h"
#include "kairos/time.h"
#include "kairos/tso_client.h"

namespace {

using kairos::Duration;
using kairos::MonoTime;
using kairos::Result;

struct Flags {
  std::string kind = "ts";
  std::string grpc = "127.0.0.1:11190";
  int callers = 64;
  std::string duration = "5s";
  double rate = 0;  // total calls per second; 0 = as fast as possible
  std::uint64_t count = 1;
  std::string name = "bench";
  std::string out;
  std::string timeout = "5s";
  std::uint64_t max_calls = 0;
  int in_flight = kairos::TsoClientOptions{}.max_in_flight;
  std::string api = "blocking";
};

MonoTime mono() { return kairos::SystemClock::instance().monotonic(); }

// One call; returns the first value (and the range size through `n`).
Result<std::uint64_t> call(kairos::TsoClient& c, const Flags& f, std::uint64_t& n) {
  if (f.kind == "ts") {
    Result<kairos::TimestampRange> r = c.get_timestamps(static_cast<std::uint32_t>(f.count));
    if (!r.ok()) return r.status();
    n = r->count;
    return r->first;
  }
  Result<kairos::SequenceRange> r = c.next_sequence(f.name, f.count);
  if (!r.ok()) return r.status();
  n = r->count;
  return r->first;
}

Result<std::unique_ptr<kairos::TsoClient>> make_client(const Flags& f) {
  kairos::TsoClientOptions o;
  o.endpoints.clear();
  std::stringstream in(f.grpc);
  for (std::string ep; std::getline(in, ep, ',');) o.endpoints.push_back(ep);
  Result<Duration> t = kairos::parse_duration(f.timeout);
  if (!t.ok()) return t.status();
  o.timeout = *t;
  o.max_in_flight = f.in_flight;
  return kairos::TsoClient::connect(o);
}

// Per-call latencies, recorded by any thread: each into its own histogram
// (cli::LatencyHistogram is not thread-safe), merged once recording is over.
class Latencies {
 public:
  void add(Duration d) { mine().record(d); }
  // Precondition: no thread records any more.
  kairos::cli::LatencyHistogram merged() {
    std::lock_guard lock(mu_);
    kairos::cli::LatencyHistogram all;
    for (const auto& h : per_thread_) all.merge(*h);
    return all;
  }

 private:
  kairos::cli::LatencyHistogram& mine() {
    thread_local std::uint64_t owner = 0;  // id_ of the Latencies `own` belongs to
    thread_local kairos::cli::LatencyHistogram* own = nullptr;
    if (owner != id_) {
      std::lock_guard lock(mu_);
      own = per_thread_.emplace_back(std::make_unique<kairos::cli::LatencyHistogram>()).get();
      owner = id_;
    }
    return *own;
  }

  static inline std::atomic<std::uint64_t> next_id_{1};
  const std::uint64_t id_ = next_id_++;
  std::mutex mu_;
  std::vector<std::unique_ptr<kairos::cli::LatencyHistogram>> per_thread_;  // guarded by mu_
};

struct LoadResult {
  Latencies latency;
  std::atomic<std::uint64_t> values{0};
  std::atomic<bool> failed{false};

  void fail(const kairos::Status& s) {
    if (!failed.exchange(true)) std::fprintf(stderr, "call failed: %s\n", s.ToString().c_str());
  }
};

// Blocking API: one thread per caller, each waiting for its call.
void load_blocking(const Flags& f, kairos::TsoClient& client, MonoTime start, MonoTime end,
                   LoadResult& out) {
  std::vector<std::thread> threads;
  const Duration interval =
      f.rate > 0 ? kairos::from_seconds(static_cast<double>(f.callers) / f.rate) : Duration(0);
  for (int i = 0; i < f.callers; ++i) {
    threads.emplace_back([&, i] {
      MonoTime next = start + interval * i / f.callers;
      std::uint64_t got = 0;
      while (true) {
        if (interval > Duration(0)) {
          if (next > mono()) kairos::SystemClock::instance().sleep_until(next);
          next += interval;
        }
        const MonoTime t0 = mono();
        if (t0 >= end) break;
        std::uint64_t k = 0;
        Result<std::uint64_t> v = call(client, f, k);
        const MonoTime t1 = mono();
        if (!v.ok()) {
          out.fail(v.status());
          break;
        }
        got += k;
        out.latency.add(t1 - t0);
      }
      out.values += got;
    });
  }
  for (auto& t : threads) t.join();
}

// Async API (timestamps or sequences): `callers` logical callers, each with at most one call outstanding; latency is
// from issuing a call to its callback. Unthrottled, a caller issues its next call from the
// callback of the previous one (closed loop). With --rate, calls are due at that rate from
// the start (open loop): a pacer thread issues the calls due every 100 us to whichever
// callers are idle, and a caller whose call completes while calls are overdue issues the
// next at once; calls due while all callers are busy wait for one (so the rate reached is
// printed, not assumed).
class AsyncLoad {
 public:
  AsyncLoad(const Flags& f, kairos::TsoClient& client, MonoTime start, MonoTime end,
            LoadResult& out)
      : f_(f), client_(client), start_(start), end_(end), out_(out), issued_at_(f.callers) {}

  void run() {
    if (f_.rate > 0) {
      pace();
    } else {
      for (int i = 0; i < f_.callers; ++i) issue(i, mono());
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return retired_ == f_.callers; });
  }

 private:
  // Issues `caller`'s next call at `now` (a caller issuing right after its previous call
  // ended passes that end time: one clock read per call, not two).
  void issue(int caller, MonoTime now) {
    issued_at_[caller] = now;
    if (f_.kind == "seq") {
      client_.next_sequence_async(f_.name, f_.count,
                                  [this, caller](Result<kairos::SequenceRange> r) {
                                    done(caller, r.ok() ? kairos::Status::Ok() : r.status(),
                                         r.ok() ? r->count : 0);
                                  });
      return;
    }
    client_.get_timestamps_async(static_cast<std::uint32_t>(f_.count),
                                 [this, caller](Result<kairos::TimestampRange> r) {
                                   done(caller, r.ok() ? kairos::Status::Ok() : r.status(),
                                        r.ok() ? r->count : 0);
                                 });
  }

  // A call of `caller` ended: `values` values, or `status` is its error.
  void done(int caller, const kairos::Status& status, std::uint64_t values) {
    const MonoTime now = mono();
    if (!status.ok()) {
      out_.fail(status);
      retire();
      return;
    }
    out_.latency.add(now - issued_at_[caller]);
    out_.values.fetch_add(values, std::memory_order_relaxed);
    if (now >= end_ || out_.failed.load(std::memory_order_relaxed)) {
      retire();
    } else if (f_.rate > 0) {
      std::unique_lock lock(mu_);
      if (pacing_ && issued_ < due(now)) {
        ++issued_;
        lock.unlock();
        issue(caller, now);
      } else if (pacing_) {
        idle_.push_back(caller);
      } else if (++retired_ == f_.callers) {
        cv_.notify_all();
      }
    } else {
      issue(caller, now);
    }
  }

  void retire() {
    std::lock_guard lock(mu_);
    if (++retired_ == f_.callers) cv_.notify_all();
  }

  // Calls due by `now` since the start.
  std::uint64_t due(MonoTime now) const {
    return static_cast<std::uint64_t>(kairos::to_seconds(now - start_) * f_.rate);
  }

  void pace() {
    {
      std::lock_guard lock(mu_);
      pacing_ = true;
      for (int i = 0; i < f_.callers; ++i) idle_.push_back(i);
    }
    std::vector<int> ready;
    while (true) {
      const MonoTime now = mono();
      if (now >= end_ || out_.failed.load()) break;
      {
        std::lock_guard lock(mu_);
        while (issued_ < due(now) && !idle_.empty()) {
          ready.push_back(idle_.back());
          idle_.pop_back();
          ++issued_;
        }
      }
      for (int caller : ready) issue(caller, mono());
      ready.clear();
      kairos::SystemClock::instance().sleep_until(now + kairos::microseconds(100));
    }
    std::lock_guard lock(mu_);  // callers idle at the end retire here, busy ones in done()
    pacing_ = false;
    retired_ += static_cast<int>(idle_.size());
    idle_.clear();
    if (retired_ == f_.callers) cv_.notify_all();
  }

  const Flags& f_;
  kairos::TsoClient& client_;
  const MonoTime start_;
  const MonoTime end_;
  LoadResult& out_;
  std::vector<MonoTime> issued_at_;  // per caller; one call at a time each
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> idle_;  // guarded by mu_: callers waiting for the pacer
  int retired_ = 0;        // guarded by mu_
  bool pacing_ = false;    // guarded by mu_: the pacer still hands out idle callers
  std::uint64_t issued_ = 0;  // guarded by mu_: paced calls issued so far
};

int run_load(const Flags& f, kairos::TsoClient& client) {
  Result<Duration> duration = kairos::parse_duration(f.duration);
  if (!duration.ok()) {
    std::fprintf(stderr, "--duration: %s\n", duration.status().message().c_str());
    return 2;
  }
  // Warm up: the stream, the channel, the sequence.
  std::uint64_t n = 0;
  if (Result<std::uint64_t> w = call(client, f, n); !w.ok()) {
    std::fprintf(stderr, "warm-up call failed: %s\n", w.status().ToString().c_str());
    return 1;
  }
  LoadResult out;
  const MonoTime start = mono();
  const MonoTime end = start + *duration;
  if (f.api == "async") {
    AsyncLoad(f, client, start, end, out).run();
  } else {
    load_blocking(f, client, start, end, out);
  }
  const double secs = kairos::to_seconds(mono() - start);
  const kairos::cli::LatencyHistogram latency = out.latency.merged();
  const auto us = [](Duration d) { return kairos::to_seconds(d) * 1e6; };
  std::printf(
      "kind=%s api=%s callers=%d count=%llu calls=%llu calls_per_s=%.0f values_per_s=%.0f "
      "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
      f.kind.c_str(), f.api.c_str(), f.callers, static_cast<unsigned long long>(f.count),
      static_cast<unsigned long long>(latency.count()),
      static_cast<double>(latency.count()) / secs,
      static_cast<double>(out.values.load()) / secs, us(latency.quantile(0.5)),
      us(latency.quantile(0.99)), us(latency.quantile(0.999)), us(latency.max()));
  return out.failed ? 1 : 0;
}

int run_record(const Flags& f, kairos::TsoClient& client) {
  if (f.out.empty()) {
    std::fprintf(stderr, "record needs --out PREFIX\n");
    return 2;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < f.callers; ++i) {
    threads.emplace_back([&, i] {
      const std::string path = f.out + "." + std::to_string(i);
      std::FILE* out = std::fopen(path.c_str(), "w");
      if (out == nullptr) return;
      for (std::uint64_t calls = 0; f.max_calls == 0 || calls < f.max_calls; ++calls) {
        std::uint64_t k = 0;
        Result<std::uint64_t> v = call(client, f, k);
        if (!v.ok()) break;
        for (std::uint64_t j = 0; j < k; ++j) {
          std::fprintf(out, "%llu\n", static_cast<unsigned long long>(*v + j));
        }
        std::fflush(out);  // what a client got is on disk before its next call
      }
      std::fclose(out);
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tso_load: load generator and value recorder for the kairos TSO"};
  app.require_subcommand(1);
  Flags f;
  for (const char* mode : {"load", "record"}) {
    CLI::App* cmd =
        app.add_subcommand(mode, mode == std::string("load") ? "Measure throughput and latency"
                                                             : "Record every value handed out");
    cmd->add_option("--kind", f.kind, "ts or seq")->check(CLI::IsMember({"ts", "seq"}));
    cmd->add_option("--grpc", f.grpc, "HOST:PORT[,HOST:PORT...]");
    cmd->add_option("--callers", f.callers, "Concurrent calling threads")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--count", f.count, "Values per call");
    cmd->add_option("--name", f.name, "Sequence name (kind seq)");
    cmd->add_option("--timeout", f.timeout, "Per-call timeout, retries included");
    cmd->add_option("--in-flight", f.in_flight, "Stream messages awaiting a response (client)")
        ->check(CLI::Range(1, 64));
    if (mode == std::string("load")) {
      cmd->add_option("--duration", f.duration, "How long to run, e.g. 5s");
      cmd->add_option("--rate", f.rate, "Total calls per second (0: unthrottled)");
      cmd->add_option("--api", f.api, "blocking (a thread per caller) or async (callbacks)")
          ->check(CLI::IsMember({"blocking", "async"}));
    } else {
      cmd->add_option("--out", f.out, "Output prefix: one file PREFIX.<caller> per caller");
      cmd->add_option("--max-calls", f.max_calls, "Stop each caller after this many calls");
    }
  }
  CLI11_PARSE(app, argc, argv);
  Result<std::unique_ptr<kairos::TsoClient>> client = make_client(f);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().ToString().c_str());
    return 2;
  }
  return app.got_subcommand("load") ? run_load(f, **client) : run_record(f, **client);
}
