// bare_tso_client: a bare gRPC client of the timestamp oracle's stream, the baseline
// bench/tso_bench.sh measures next to the batching client library. N logical callers in
// a closed loop on one thread: each response completes a message's calls, which are at
// once issued again and sent as the next message (at most --in-flight messages awaiting a
// response, as the library's max_in_flight). No library: no locks, callbacks, deadlines,
// retries or checks beyond the response's count. Not for use: a benchmark baseline.
// With --busy-poll it uses gRPC's asynchronous API instead and polls the completion queue
// for that long after each event before it sleeps (as the server's oracle thread does):
// what a client that spins could gain.
//
//   bare_tso_client --grpc HOST:PORT [--callers 64] [--in-flight 2] [--duration 5s]
//                   [--busy-poll 0us]
//
// Prints one line in tso_load's format: callers, calls, calls_per_s, p50_us, p99_us.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <deque>
#include <string>

#include "cli/latency_histogram.h"
#include "kairos.grpc.pb.h"
#include "kairos/clock.h"
#include "kairos/time.h"

namespace {

namespace pb = kairos::v1;
using kairos::MonoTime;

MonoTime mono() { return kairos::SystemClock::instance().monotonic(); }

struct Message {
  std::uint32_t calls;
  MonoTime issued;  // every call of a message was issued when the message was sent
};

struct Run {
  std::string grpc;
  int callers = 64;
  int in_flight = 2;
  std::string duration = "5s";
  std::string busy_poll = "0us";
};

// The closed loop's bookkeeping, whichever API carries the messages.
class Loop {
 public:
  Loop(const Run& r, MonoTime start, MonoTime end) : r_(r), start_(start), end_(end) {}

  // The first messages: the callers spread evenly over the slots. Calls `send(calls)`.
  template <typename Send>
  void begin(Send send) {
    int left = r_.callers;
    for (int slots = r_.in_flight; slots > 0 && left > 0; --slots) {
      const int n = (left + slots - 1) / slots;
      outstanding_.push_back({static_cast<std::uint32_t>(n), start_});
      send(static_cast<std::uint32_t>(n));
      left -= n;
    }
  }
  // A response for `count` came: false if it is not the oldest message's. Otherwise its
  // calls are issued again, as the next message to send (`*resend`, 0 once time is up).
  bool complete(std::uint32_t count, std::uint32_t* resend) {
    if (outstanding_.empty() || count != outstanding_.front().calls) return false;
    const MonoTime now = mono();
    const Message m = outstanding_.front();
    outstanding_.pop_front();
    for (std::uint32_t i = 0; i < m.calls; ++i) latency_.record(now - m.issued);
    *resend = now < end_ ? m.calls : 0;
    if (*resend > 0) outstanding_.push_back({m.calls, now});
    return true;
  }
  bool done() const { return outstanding_.empty(); }

  void print() const {
    const double secs = kairos::to_seconds(mono() - start_);
    const auto us = [&](double q) { return kairos::to_seconds(latency_.quantile(q)) * 1e6; };
    std::printf(
        "bare callers=%d in_flight=%d busy_poll=%s calls=%llu calls_per_s=%.0f p50_us=%.1f "
        "p99_us=%.1f\n",
        r_.callers, r_.in_flight, r_.busy_poll.c_str(),
        static_cast<unsigned long long>(latency_.count()),
        static_cast<double>(latency_.count()) / secs, us(0.5), us(0.99));
  }

 private:
  const Run& r_;
  const MonoTime start_;
  const MonoTime end_;
  std::deque<Message> outstanding_;
  kairos::cli::LatencyHistogram latency_;
};

// One warm-up call (the channel, the stream), then the loop on the blocking API: read a
// response, write the next message.
int run_blocking(const Run& r, kairos::Duration duration) {
  auto stub =
      pb::TimestampOracle::NewStub(grpc::CreateChannel(r.grpc, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto stream = stub->GetTimestamps(&ctx);
  pb::TimestampRequest req;
  pb::TimestampResponse resp;
  req.set_count(1);
  if (!stream->Write(req) || !stream->Read(&resp)) {
    std::fprintf(stderr, "no stream to %s: %s\n", r.grpc.c_str(),
                 stream->Finish().error_message().c_str());
    return 1;
  }
  const MonoTime start = mono();
  Loop loop(r, start, start + duration);
  bool ok = true;
  auto send = [&](std::uint32_t calls) {
    req.set_count(calls);
    ok = ok && stream->Write(req);
  };
  loop.begin(send);
  while (ok && !loop.done()) {
    std::uint32_t resend = 0;
    ok = stream->Read(&resp) && loop.complete(resp.count(), &resend);
    if (ok && resend > 0) send(resend);
  }
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  if (!ok) {
    std::fprintf(stderr, "stream failed: %s\n", status.error_message().c_str());
    return 1;
  }
  loop.print();
  return 0;
}

// The same on the asynchronous API, one thread polling the completion queue: one read
// always posted, one write at a time (a message whose write waits is queued).
int run_polled(const Run& r, kairos::Duration duration, kairos::Duration busy_poll) {
  enum Tag : std::intptr_t { kStarted = 1, kRead, kWritten };
  const auto tag = [](Tag t) { return reinterpret_cast<void*>(t); };
  auto stub =
      pb::TimestampOracle::NewStub(grpc::CreateChannel(r.grpc, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  auto stream = stub->PrepareAsyncGetTimestamps(&ctx, &cq);
  stream->StartCall(tag(kStarted));
  void* got = nullptr;
  bool ok = false;
  // The next event: polls without sleeping for busy_poll after the last one, then sleeps.
  MonoTime poll_until = MonoTime::min();
  auto next = [&] {
    while (mono() < poll_until) {
      if (cq.AsyncNext(&got, &ok, gpr_time_0(GPR_CLOCK_MONOTONIC)) ==
          grpc::CompletionQueue::GOT_EVENT) {
        poll_until = mono() + busy_poll;
        return true;
      }
    }
    const bool any = cq.Next(&got, &ok);
    poll_until = mono() + busy_poll;
    return any;
  };
  pb::TimestampRequest req;
  pb::TimestampResponse resp;
  req.set_count(1);  // warm-up: the call starts, one message each way
  bool warm = next() && ok;
  if (warm) stream->Write(req, tag(kWritten));
  if (warm) stream->Read(&resp, tag(kRead));
  warm = warm && next() && ok && next() && ok;
  // Ends the call and drains the queue (gRPC aborts if one goes with events in it).
  auto end_call = [&] {
    ctx.TryCancel();
    cq.Shutdown();
    while (cq.Next(&got, &ok)) {
    }
  };
  if (!warm) {
    end_call();
    std::fprintf(stderr, "no stream to %s\n", r.grpc.c_str());
    return 1;
  }
  std::deque<std::uint32_t> unsent;
  bool writing = false;
  auto write_next = [&] {
    if (writing || unsent.empty()) return;
    req.set_count(unsent.front());
    unsent.pop_front();
    writing = true;
    stream->Write(req, tag(kWritten));
  };
  const MonoTime start = mono();
  Loop loop(r, start, start + duration);
  stream->Read(&resp, tag(kRead));
  loop.begin([&](std::uint32_t calls) { unsent.push_back(calls); });
  write_next();
  bool failed = false;
  while (!loop.done() || writing) {
    if (!next() || !ok) {
      failed = true;
      break;
    }
    if (reinterpret_cast<std::intptr_t>(got) == kWritten) {
      writing = false;
    } else {
      std::uint32_t resend = 0;
      if (!loop.complete(resp.count(), &resend)) {
        failed = true;
        break;
      }
      if (!loop.done()) stream->Read(&resp, tag(kRead));
      if (resend > 0) unsent.push_back(resend);
    }
    write_next();
  }
  end_call();
  if (failed) {
    std::fprintf(stderr, "stream failed\n");
    return 1;
  }
  loop.print();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bare_tso_client: a bare gRPC client of the timestamp stream, the baseline "
      "the batching client library is compared with"};
  Run r;
  app.add_option("--grpc", r.grpc, "The kairos server's HOST:PORT")->required();
  app.add_option("--callers", r.callers, "Logical callers, one call outstanding each")
      ->check(CLI::Range(1, 4096));
  app.add_option("--in-flight", r.in_flight, "Stream messages awaiting a response")
      ->check(CLI::Range(1, 64));
  app.add_option("--duration", r.duration, "How long to run, e.g. 5s");
  app.add_option("--busy-poll", r.busy_poll,
                 "Poll the stream this long after each event, on gRPC's async API (0us: "
                 "the blocking API)");
  CLI11_PARSE(app, argc, argv);
  kairos::Result<kairos::Duration> d = kairos::parse_duration(r.duration);
  if (!d.ok() || *d <= kairos::Duration(0)) {
    std::fprintf(stderr, "--duration: %s\n",
                 d.ok() ? "must be positive" : d.status().message().c_str());
    return 2;
  }
  kairos::Result<kairos::Duration> poll = kairos::parse_duration(r.busy_poll);
  if (!poll.ok() || *poll < kairos::Duration(0)) {
    std::fprintf(stderr, "--busy-poll: %s\n",
                 poll.ok() ? "must not be negative" : poll.status().message().c_str());
    return 2;
  }
  return *poll > kairos::Duration(0) ? run_polled(r, *d, *poll) : run_blocking(r, *d);
}
