// The gRPC implementation of kairos::TsoClient (include/kairos/tso_client.h).
//
// Timestamps: callers queue a Waiter and sleep on it. One dispatcher thread owns the
// stream: it packs the queued waiters into one request (the sum of their counts), keeps up
// to max_in_flight requests outstanding, and a reader thread splits each response among
// the batch's waiters in order. When the stream breaks, waiters whose error is retryable
// go back to the front of the queue and the dispatcher reconnects (to the leader the
// server named, else the next endpoint) after a backoff; callers give up at their deadline.
#include "kairos/tso_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "kairos.grpc.pb.h"
#include "kairos/clock.h"
#include "tso/status_mapping.h"

namespace kairos {
namespace {

namespace pb = ::kairos::v1;
using tso::from_grpc;
using tso::kLeaderMetadataKey;

struct Waiter {
  explicit Waiter(std::uint32_t n) : count(n) {}
  const std::uint32_t count;
  bool done = false;       // guarded by the client's mutex
  bool abandoned = false;  // the caller gave up (deadline)
  Status status;           // final result when done, else the last retryable error
  std::uint64_t first = 0;
  std::condition_variable cv;
};

struct Batch {
  std::vector<std::shared_ptr<Waiter>> waiters;
  std::uint32_t total = 0;
  MonoTime sent;
};

bool retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

MonoTime mono_now() { return SystemClock::instance().monotonic(); }

class GrpcTsoClient final : public TsoClient {
 public:
  explicit GrpcTsoClient(TsoClientOptions options) : options_(std::move(options)) {
    grpc::ChannelArguments args;
    // Reconnect fast after a restart or failover (gRPC's default backoff starts at 1 s).
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 250);
    for (const std::string& ep : options_.endpoints) {
      auto channel = grpc::CreateCustomChannel(ep, grpc::InsecureChannelCredentials(), args);
      seq_stubs_.push_back(pb::Sequencer::NewStub(channel));
      ts_stubs_.push_back(pb::TimestampOracle::NewStub(channel));
    }
    dispatcher_ = std::thread([this] { dispatch_loop(); });
  }

  ~GrpcTsoClient() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      if (ctx_) ctx_->TryCancel();
    }
    dispatch_cv_.notify_all();
    dispatcher_.join();
  }

  Result<TimestampRange> get_timestamps(std::uint32_t count) override {
    const MonoTime deadline = mono_now() + options_.timeout;
    auto w = std::make_shared<Waiter>(count);
    std::unique_lock lock(mu_);
    queue_.push_back(w);
    // Wake the dispatcher only when it waits for work: when it waits for a response slot,
    // a wake-up per call would cost a context switch for nothing.
    if (dispatcher_wants_work_) dispatch_cv_.notify_one();
    if (!w->cv.wait_until(lock, deadline, [&] { return w->done; })) {
      w->abandoned = true;
      return Status::DeadlineExceeded(
          "no timestamps within " + format_duration(options_.timeout) +
          (w->status.ok() ? std::string() : " (last error: " + w->status.message() + ")"));
    }
    if (!w->status.ok()) return w->status;
    return TimestampRange{w->first, count};
  }

  Result<SequenceRange> next_sequence(std::string_view name, std::uint64_t count) override {
    const MonoTime deadline = mono_now() + options_.timeout;
    Duration backoff = options_.initial_backoff;
    pb::NextRequest req;
    req.set_name(std::string(name));
    req.set_count(count);
    Status last;
    while (true) {
      const std::size_t ep = preferred_.load();
      grpc::ClientContext ctx;
      ctx.set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - mono_now()));
      pb::NextResponse resp;
      grpc::Status gs = seq_stubs_[ep]->Next(&ctx, req, &resp);
      if (gs.ok()) return SequenceRange{resp.first(), resp.count()};
      last = from_grpc(gs);
      if (!retryable(last)) return last;
      follow_leader(ep, ctx.GetServerTrailingMetadata());
      if (mono_now() + backoff >= deadline) {
        return Status::DeadlineExceeded("no sequence numbers within " +
                                        format_duration(options_.timeout) +
                                        " (last error: " + last.message() + ")");
      }
      SystemClock::instance().sleep_until(mono_now() + backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }

 private:
  // After a failure on endpoint `ep`: go to the leader a follower named, else rotate.
  void follow_leader(std::size_t ep, const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
    auto it = md.find(kLeaderMetadataKey);
    if (it != md.end()) {
      const std::string leader(it->second.data(), it->second.size());
      for (std::size_t i = 0; i < options_.endpoints.size(); ++i) {
        if (options_.endpoints[i] == leader) {
          preferred_.store(i);
          return;
        }
      }
    }
    std::size_t expected = ep;
    preferred_.compare_exchange_strong(expected, (ep + 1) % options_.endpoints.size());
  }

  // Takes waiters off the queue into one batch. Precondition: mu_ held.
  Batch take_batch() {
    Batch b;
    while (!queue_.empty()) {
      std::shared_ptr<Waiter>& w = queue_.front();
      if (w->abandoned) {
        queue_.pop_front();
        continue;
      }
      const bool solo = w->count == 0 || w->count > options_.max_batch;
      if (!b.waiters.empty() && (solo || b.total + w->count > options_.max_batch)) break;
      b.total += w->count;
      b.waiters.push_back(std::move(w));
      queue_.pop_front();
      if (solo) break;
    }
    b.sent = mono_now();
    return b;
  }

  void dispatch_loop() {
    Duration backoff = options_.initial_backoff;
    std::unique_lock lock(mu_);
    while (!stop_) {
      dispatcher_wants_work_ = true;
      dispatch_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      dispatcher_wants_work_ = false;
      if (stop_) break;
      const std::size_t ep = preferred_.load();
      const bool got_response = run_session(lock, ep);
      if (stop_) break;
      backoff =
          got_response ? options_.initial_backoff : std::min(backoff * 2, options_.max_backoff);
      dispatch_cv_.wait_for(lock, backoff, [&] { return stop_; });
    }
    for (auto& w : queue_) finish(*w, Status::Unavailable("client is shutting down"));
    queue_.clear();
  }

  // One stream to endpoint `ep`, until it breaks or the client stops. Returns whether a
  // response arrived. Precondition and postcondition: `lock` holds mu_.
  bool run_session(std::unique_lock<std::mutex>& lock, std::size_t ep) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx_ = ctx.get();
    lock.unlock();
    auto stream = ts_stubs_[ep]->GetTimestamps(ctx.get());
    lock.lock();
    std::deque<Batch> inflight;
    bool broken = false;
    bool got_response = false;
    std::thread reader([&] {
      pb::TimestampResponse resp;
      while (stream->Read(&resp)) {
        std::lock_guard guard(mu_);
        got_response = true;
        if (inflight.empty() || resp.count() != inflight.front().total) {
          break;  // the server answered something we did not ask: drop the stream
        }
        Batch b = std::move(inflight.front());
        inflight.pop_front();
        dispatcher_wants_work_ = true;  // a slot is free: queued calls may go now
        std::uint64_t next = resp.first();
        for (auto& w : b.waiters) {
          w->first = next;
          next += w->count;
          finish(*w, Status::Ok());
        }
        dispatch_cv_.notify_one();
      }
      std::lock_guard guard(mu_);
      broken = true;
      dispatch_cv_.notify_one();
    });
    const Duration stuck_after = std::max<Duration>(options_.timeout / 2, milliseconds(10));
    bool cancel = false;  // end the stream from our side (stop, or no answer for too long)
    while (true) {
      dispatcher_wants_work_ = static_cast<int>(inflight.size()) < options_.max_in_flight;
      dispatch_cv_.wait_for(lock, milliseconds(50), [&] {
        return stop_ || broken ||
               (!queue_.empty() && static_cast<int>(inflight.size()) < options_.max_in_flight);
      });
      dispatcher_wants_work_ = false;
      if (broken) break;
      if (stop_ || (!inflight.empty() && mono_now() - inflight.front().sent > stuck_after)) {
        cancel = true;
        break;
      }
      if (queue_.empty() || static_cast<int>(inflight.size()) >= options_.max_in_flight) continue;
      Batch b = take_batch();
      if (b.waiters.empty()) continue;
      pb::TimestampRequest req;
      req.set_count(b.total);
      inflight.push_back(std::move(b));
      lock.unlock();
      const bool written = stream->Write(req);
      lock.lock();
      if (!written) break;
    }
    lock.unlock();
    // A failed Write means the stream is over and the reader will see it; otherwise the
    // server's status (bad request, not leader) must reach Finish() uncancelled.
    if (cancel) ctx->TryCancel();
    reader.join();
    const grpc::Status gs = stream->Finish();
    lock.lock();
    ctx_ = nullptr;
    Status failure = from_grpc(gs);
    if (failure.ok() || stop_) failure = Status::Unavailable("timestamp stream closed");
    if (retryable(failure)) follow_leader(ep, ctx->GetServerTrailingMetadata());
    // The first outstanding request is the one the server failed on; the others were
    // merely in the same stream and are retried.
    for (auto it = inflight.rbegin(); it != inflight.rend(); ++it) {
      const bool culprit = std::next(it) == inflight.rend();
      for (auto w = it->waiters.rbegin(); w != it->waiters.rend(); ++w) {
        if (culprit && !retryable(failure)) {
          finish(**w, failure);
        } else if (!(*w)->abandoned) {
          (*w)->status = retryable(failure) ? failure : Status::Unavailable("stream failed");
          queue_.push_front(*w);
        }
      }
    }
    return got_response;
  }

  static void finish(Waiter& w, Status s) {
    w.status = std::move(s);
    w.done = true;
    w.cv.notify_one();
  }

  const TsoClientOptions options_;
  std::vector<std::unique_ptr<pb::Sequencer::Stub>> seq_stubs_;
  std::vector<std::unique_ptr<pb::TimestampOracle::Stub>> ts_stubs_;
  std::atomic<std::size_t> preferred_{0};

  std::mutex mu_;
  std::condition_variable dispatch_cv_;
  std::deque<std::shared_ptr<Waiter>> queue_;  // guarded by mu_
  grpc::ClientContext* ctx_ = nullptr;         // guarded by mu_: the live stream's context
  bool stop_ = false;                          // guarded by mu_
  bool dispatcher_wants_work_ = false;         // guarded by mu_: notify on enqueue
  std::thread dispatcher_;
};

}  // namespace

Result<std::unique_ptr<TsoClient>> TsoClient::connect(TsoClientOptions options) {
  if (options.endpoints.empty()) return Status::InvalidArgument("no TSO endpoints given");
  for (const std::string& ep : options.endpoints) {
    if (ep.empty() || ep.find(':') == std::string::npos) {
      return Status::InvalidArgument("endpoint '" + ep + "' is not HOST:PORT");
    }
  }
  if (options.timeout <= Duration(0)) return Status::InvalidArgument("timeout must be positive");
  if (options.max_batch < 1) return Status::InvalidArgument("max_batch must be at least 1");
  if (options.max_in_flight < 1) return Status::InvalidArgument("max_in_flight must be >= 1");
  if (options.initial_backoff <= Duration(0) || options.max_backoff < options.initial_backoff) {
    return Status::InvalidArgument("backoff must be positive and initial <= max");
  }
  return std::unique_ptr<TsoClient>(new GrpcTsoClient(std::move(options)));
}

}  // namespace kairos
