// tso_load: drives a kairos TSO over gRPC with many concurrent callers, through the
// batching client library. Used by bench/tso_bench.sh (throughput, latency) and by
// tests/integration/tso_crash_test.sh (recording every value handed out).
//
//   tso_load load   --kind ts|seq --grpc EP[,EP] --callers 64 --duration 5s [--rate N]
//                   [--count 1] [--name N]
//       Prints one line: kind, callers, calls/s, values/s, p50/p99/p999 latency in us.
//   tso_load record --kind ts|seq --grpc EP[,EP] --callers 4 --out PREFIX [--timeout 300ms]
//                   [--max-calls N] [--count 3] [--name N]
//       Each caller draws until a call fails (or max-calls) and writes every value it got,
//       one per line, to PREFIX.<caller>; exits 0. Values are exactly those returned.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

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
  int in_flight = 4;
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
  const MonoTime start = mono();
  const MonoTime end = start + *duration;
  std::vector<std::vector<std::int64_t>> latencies(f.callers);
  std::atomic<std::uint64_t> values{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  const Duration interval =
      f.rate > 0 ? kairos::from_seconds(static_cast<double>(f.callers) / f.rate) : Duration(0);
  for (int i = 0; i < f.callers; ++i) {
    threads.emplace_back([&, i] {
      auto& lat = latencies[i];
      lat.reserve(1 << 16);
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
          if (!failed.exchange(true)) {
            std::fprintf(stderr, "call failed: %s\n", v.status().ToString().c_str());
          }
          break;
        }
        got += k;
        lat.push_back((t1 - t0).count());
      }
      values += got;
    });
  }
  for (auto& t : threads) t.join();
  const double secs = kairos::to_seconds(mono() - start);
  std::vector<std::int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return 0.0;
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(all.size() - 1));
    return static_cast<double>(all[idx]) / 1000.0;
  };
  std::printf(
      "kind=%s callers=%d count=%llu calls=%zu calls_per_s=%.0f values_per_s=%.0f "
      "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
      f.kind.c_str(), f.callers, static_cast<unsigned long long>(f.count), all.size(),
      static_cast<double>(all.size()) / secs, static_cast<double>(values.load()) / secs, pct(0.5),
      pct(0.99), pct(0.999), all.empty() ? 0.0 : static_cast<double>(all.back()) / 1000);
  return failed ? 1 : 0;
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
