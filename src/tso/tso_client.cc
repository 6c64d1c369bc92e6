// The gRPC implementation of kairos::TsoClient (include/kairos/tso_client.h).
//
// Timestamps: a call is a pooled Waiter holding the caller's callback, linked into an
// intrusive queue (no allocation per call once the pool is warm). A dispatcher thread
// owns the stream's life: it opens it, ends it when it breaks or hangs, and reconnects (to
// the leader the server named, else the next endpoint) after a backoff; a timer thread
// fails calls whose deadline passed. Sending is done by whichever thread finds queued calls and a
// free slot (at most max_in_flight messages outstanding): the dispatcher when a call wakes
// it, or the reader thread right after it ran a response's callbacks, so a closed loop of
// async callers costs no thread wake-up per call. The reader splits each response among
// the batch's waiters in order. When the stream breaks, waiters whose error is retryable
// go back to the front of the queue; the queue stays in call order, hence in deadline order.
//
// Sequences: blocking calls combine in a SequenceCombiner, async ones queue in an
// AsyncSequenceQueue (its own worker thread); both send through send_sequence(), and the
// timer thread fails async calls still queued at their deadline.
#include "kairos/tso_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kairos.grpc.pb.h"
#include "kairos/clock.h"
#include "kairos/hybrid_timestamp.h"
#include "tso/async_sequence_queue.h"
#include "tso/grpc_address.h"
#include "tso/sequence_combiner.h"
#include "tso/status_mapping.h"

namespace kairos {
namespace {

namespace pb = ::kairos::v1;
using tso::from_grpc;
using tso::kLeaderMetadataKey;

// One spelling per address, for comparing a follower's leader hint with the endpoints:
// "unix:///run/k.sock" and "unix:/run/k.sock" are one socket. Names are not resolved.
// Empty when `text` is no address to connect to.
std::string address_key(std::string_view text) {
  Result<tso::GrpcAddress> a = tso::parse_grpc_address(text, tso::GrpcAddressUse::kConnect);
  return a.ok() ? a->target() : std::string();
}

// Leaders named by followers that are not among the configured endpoints are reached
// directly; at most this many are kept (the oldest is replaced), so hints cannot grow the
// list without bound.
constexpr std::size_t kMaxLearnedEndpoints = 4;

struct Waiter {
  std::uint32_t count = 0;
  bool done = false;  // its callback was taken (deadline passed while in flight)
  MonoTime deadline;
  Status last_error;  // the last retryable error, for the deadline message
  TimestampCallback callback;
  Waiter* next = nullptr;  // link in the queue, a batch, or nothing
};

// A FIFO of waiters linked through Waiter::next.
struct WaiterList {
  Waiter* head = nullptr;
  Waiter* tail = nullptr;

  bool empty() const { return head == nullptr; }
  void push_back(Waiter* w) {
    w->next = nullptr;
    (tail != nullptr ? tail->next : head) = w;
    tail = w;
  }
  Waiter* pop_front() {
    Waiter* w = head;
    head = w->next;
    if (head == nullptr) tail = nullptr;
    w->next = nullptr;
    return w;
  }
  // Moves `front`'s waiters before ours.
  void prepend(WaiterList& front) {
    if (front.empty()) return;
    front.tail->next = head;
    if (tail == nullptr) tail = front.tail;
    head = front.head;
    front = {};
  }
};

struct Batch {
  WaiterList waiters;
  std::uint32_t total = 0;
  MonoTime sent;
};

struct Completion {
  TimestampCallback callback;
  Result<TimestampRange> result;
};

using TimestampStream = grpc::ClientReaderWriter<pb::TimestampRequest, pb::TimestampResponse>;

// One stream's state; guarded by the client's mutex.
struct Session {
  std::unique_ptr<TimestampStream> stream;
  std::deque<Batch> inflight;  // sent, awaiting their response, in order
  bool writing = false;        // a thread is in stream->Write (one at a time)
  bool write_failed = false;
  bool read_ended = false;     // the reader left (stream over, or a response we did not ask)
  bool bad_response = false;
  bool got_response = false;
};

bool retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

// A server that refused for lack of threads is up: retry it rather than another node.
bool busy(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

MonoTime mono_now() { return SystemClock::instance().monotonic(); }

// The client whose callbacks this thread is running: calls they make need no wake-up,
// because this thread sends queued calls when the callbacks return. Their timeout counts
// from t_completing_now, when the callbacks' response (or deadline) came: one clock read
// per message, not per call, and callbacks are short (TimestampCallback).
thread_local const void* t_completing_for = nullptr;
thread_local MonoTime t_completing_now;

class GrpcTsoClient final : public TsoClient {
 public:
  explicit GrpcTsoClient(TsoClientOptions options)
      : options_(std::move(options)),
        tick_(std::clamp<Duration>(options_.timeout / 8, milliseconds(1), milliseconds(50))),
        sequences_(options_.max_sequence_batch, sequence_sender()),
        async_sequences_(options_.max_sequence_batch, options_.timeout, sequence_sender()) {
    // Reconnect fast after a restart or failover (gRPC's default backoff starts at 1 s).
    channel_args_.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    channel_args_.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
    channel_args_.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 250);
    for (const std::string& ep : options_.endpoints) endpoints_.push_back(make_endpoint(ep));
    dispatcher_ = std::thread([this] { dispatch_loop(); });
    timer_ = std::thread([this] { expire_loop(); });
  }

  ~GrpcTsoClient() override {
    {
      // Sequence requests end now, not at their deadline, and are not retried; the async
      // ones still queued fail when async_sequences_ is destroyed, first of the members.
      std::lock_guard lock(seq_mu_);
      stopping_ = true;
      for (grpc::ClientContext* ctx : seq_calls_) ctx->TryCancel();
    }
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      if (ctx_) ctx_->TryCancel();
    }
    dispatch_cv_.notify_all();
    timer_cv_.notify_all();
    timer_.join();
    dispatcher_.join();
  }

  Result<TimestampRange> get_timestamps(std::uint32_t count) override {
    struct Slot {
      std::mutex mu;
      std::condition_variable cv;
      std::optional<Result<TimestampRange>> result;
    };
    // Shared with the callback, so that it can notify after unlocking: a caller woken
    // while the lock is held only blocks on it again, a second pair of context switches.
    auto slot = std::make_shared<Slot>();
    get_timestamps_async(count, [slot](Result<TimestampRange> r) {
      {
        std::lock_guard lock(slot->mu);
        slot->result.emplace(std::move(r));
      }
      slot->cv.notify_one();
    });
    std::unique_lock lock(slot->mu);
    slot->cv.wait(lock, [&] { return slot->result.has_value(); });
    return std::move(*slot->result);
  }

  void get_timestamps_async(std::uint32_t count, TimestampCallback done) override {
    std::unique_lock lock(mu_);
    if (stop_) {
      lock.unlock();
      done(Status::Unavailable("client is shutting down"));
      return;
    }
    Waiter* w = acquire();
    w->count = count;
    // Under the lock, and never before the last queued call's: the queue stays sorted.
    const MonoTime now = t_completing_for == this ? t_completing_now : mono_now();
    w->deadline = std::max(now + options_.timeout,
                           queue_.empty() ? MonoTime::min() : queue_.tail->deadline);
    w->callback = std::move(done);
    queue_.push_back(w);
    // Wake the dispatcher only if nobody else will send this call soon: not when this
    // thread is running callbacks (it sends afterwards), nor when all slots are taken
    // (the reader sends when a response frees one), nor during a write (the writer loops).
    // After unlocking: a dispatcher woken under the lock would only block on it.
    const bool wake = dispatcher_waiting_ && t_completing_for != this && can_send();
    lock.unlock();
    if (wake) dispatch_cv_.notify_one();
  }

  Result<SequenceRange> next_sequence(std::string_view name, std::uint64_t count) override {
    return sequences_.next(name, count, mono_now() + options_.timeout);
  }

  void next_sequence_async(std::string_view name, std::uint64_t count,
                           SequenceCallback done) override {
    async_sequences_.submit(std::string(name), count, mono_now() + options_.timeout,
                            std::move(done));
  }

 private:
  tso::SequenceCombiner::Send sequence_sender() {
    return [this](const std::string& name, std::uint64_t count, MonoTime deadline) {
      return send_sequence(name, count, deadline);
    };
  }

  // One Next request for `count` numbers (the combined calls'), retried on UNAVAILABLE
  // with backoff until `deadline`.
  Result<SequenceRange> send_sequence(const std::string& name, std::uint64_t count,
                                      MonoTime deadline) {
    Duration backoff = options_.initial_backoff;
    pb::NextRequest req;
    req.set_name(name);
    req.set_count(count);
    Status last;
    while (true) {
      const std::size_t ep = preferred_.load();
      const std::shared_ptr<pb::Sequencer::Stub> stub = endpoint(ep).seq;
      grpc::ClientContext ctx;
      ctx.set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - mono_now()));
      pb::NextResponse resp;
      if (!begin_sequence_call(&ctx)) return Status::Unavailable("client is shutting down");
      grpc::Status gs = stub->Next(&ctx, req, &resp);
      const bool live = end_sequence_call(&ctx);
      if (gs.ok()) return SequenceRange{resp.first(), resp.count()};
      if (!live) return Status::Unavailable("client is shutting down");
      last = from_grpc(gs);
      if (!retryable(last)) return last;
      if (!busy(gs)) follow_leader(ep, ctx.GetServerTrailingMetadata());
      if (mono_now() + backoff >= deadline) {
        return Status::DeadlineExceeded("no sequence numbers within " +
                                        format_duration(options_.timeout) +
                                        " (last error: " + last.message() + ")");
      }
      SystemClock::instance().sleep_until(mono_now() + backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }

  // A sequence RPC's context is listed while the RPC runs, so that the destructor can
  // cancel it. Both return false once the client is being destroyed (begin then does not
  // list it): the call ends as UNAVAILABLE, unless it already succeeded.
  bool begin_sequence_call(grpc::ClientContext* ctx) {
    std::lock_guard lock(seq_mu_);
    if (!stopping_) seq_calls_.push_back(ctx);
    return !stopping_;
  }
  bool end_sequence_call(grpc::ClientContext* ctx) {
    std::lock_guard lock(seq_mu_);
    seq_calls_.erase(std::find(seq_calls_.begin(), seq_calls_.end(), ctx));
    return !stopping_;
  }

  struct Endpoint {
    std::string key;  // address_key of its address
    std::shared_ptr<pb::Sequencer::Stub> seq;
    std::shared_ptr<pb::TimestampOracle::Stub> ts;
  };

  Endpoint make_endpoint(const std::string& address) const {
    auto channel =
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), channel_args_);
    return {address_key(address), pb::Sequencer::NewStub(channel),
            pb::TimestampOracle::NewStub(channel)};
  }

  Endpoint endpoint(std::size_t i) {
    std::lock_guard lock(endpoints_mu_);
    return endpoints_[i % endpoints_.size()];
  }

  // After a failure on endpoint `ep`: go to the leader a follower named (added to the
  // endpoints if it is none of them: a name where the client has an IP, or a node the
  // client was not given, as PD's client follows the leader it is told of), else rotate.
  void follow_leader(std::size_t ep, const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
    auto it = md.find(kLeaderMetadataKey);
    const std::string leader =
        it == md.end() ? std::string()
                       : address_key(std::string_view(it->second.data(), it->second.size()));
    std::lock_guard lock(endpoints_mu_);
    if (!leader.empty()) {
      for (std::size_t i = 0; i < endpoints_.size(); ++i) {
        if (endpoints_[i].key == leader) {
          preferred_.store(i);
          return;
        }
      }
      const std::size_t configured = options_.endpoints.size();
      std::size_t slot = endpoints_.size();
      if (slot == configured + kMaxLearnedEndpoints) {
        slot = configured + learned_++ % kMaxLearnedEndpoints;
        endpoints_[slot] = make_endpoint(leader);
      } else {
        endpoints_.push_back(make_endpoint(leader));
      }
      preferred_.store(slot);
      return;
    }
    std::size_t expected = ep;
    preferred_.compare_exchange_strong(expected, (ep + 1) % endpoints_.size());
  }

  // Waiter pool. Precondition: mu_ held.
  Waiter* acquire() {
    if (free_.empty()) return &storage_.emplace_back();
    Waiter* w = free_.back();
    free_.pop_back();
    return w;
  }
  void release(Waiter* w) {
    w->done = false;
    w->last_error = Status();
    w->callback = nullptr;
    free_.push_back(w);
  }

  // Whether a queued call could be sent now (a session with a free slot and no write in
  // progress, or no session: the dispatcher then opens one). Precondition: mu_ held.
  bool can_send() const {
    return session_ == nullptr ||
           (!session_->writing &&
            static_cast<int>(session_->inflight.size()) < options_.max_in_flight);
  }

  Status deadline_error(const Waiter& w) const {
    return Status::DeadlineExceeded(
        "no timestamps within " + format_duration(options_.timeout) +
        (w.last_error.ok() ? std::string() : " (last error: " + w.last_error.message() + ")"));
  }

  // Runs callbacks without the lock (they may call us again); `now` is about when their
  // results came. Precondition: `lock` held.
  void run(std::unique_lock<std::mutex>& lock, std::vector<Completion>& completions,
           MonoTime now) {
    if (completions.empty()) return;
    lock.unlock();
    const void* outer = t_completing_for;
    const MonoTime outer_now = t_completing_now;
    t_completing_for = this;
    t_completing_now = now;
    for (Completion& c : completions) c.callback(std::move(c.result));
    t_completing_for = outer;
    t_completing_now = outer_now;
    completions.clear();
    lock.lock();
  }

  // The earliest deadline of a call still waiting (MonoTime::max() if none): calls in
  // flight were made before those queued, so only the first live one of each counts.
  MonoTime next_deadline() const {
    if (session_ != nullptr) {
      for (const Batch& b : session_->inflight) {
        for (const Waiter* w = b.waiters.head; w != nullptr; w = w->next) {
          if (!w->done) return w->deadline;
        }
      }
    }
    return queue_.empty() ? MonoTime::max() : queue_.head->deadline;
  }

  // Fails calls when their deadline passes. Its own thread, because the dispatcher may be
  // stuck in a Write while the channel connects.
  void expire_loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      timer_cv_.wait_until(lock, std::min(mono_now() + tick_, next_deadline()),
                           [&] { return stop_; });
      if (stop_) break;
      expire_due(lock);
      lock.unlock();
      async_sequences_.expire_due(mono_now());
      lock.lock();
      // Calls made by the callbacks just run: this thread does not send them.
      if (!queue_.empty() && dispatcher_waiting_ && can_send()) dispatch_cv_.notify_one();
    }
  }

  // Fails the calls whose deadline passed, in flight or queued. Precondition: `lock` held.
  void expire_due(std::unique_lock<std::mutex>& lock) {
    const MonoTime now = mono_now();
    std::vector<Completion>& out = timer_completions_;
    bool live_seen = false;  // deadlines are sorted: stop at the first one not yet due
    if (session_ != nullptr) {
      for (Batch& b : session_->inflight) {
        for (Waiter* w = b.waiters.head; w != nullptr && !live_seen; w = w->next) {
          if (w->done) continue;
          if (w->deadline > now) {
            live_seen = true;
            break;
          }
          w->done = true;  // stays in its batch until the response or the stream's end
          out.push_back({std::move(w->callback), deadline_error(*w)});
        }
        if (live_seen) break;
      }
    }
    while (!live_seen && !queue_.empty() && queue_.head->deadline <= now) {
      Waiter* w = queue_.pop_front();
      out.push_back({std::move(w->callback), deadline_error(*w)});
      release(w);
    }
    run(lock, out, now);
  }

  // Takes waiters off the queue into one batch sent at `now`. Precondition: mu_ held,
  // queue not empty.
  Batch take_batch(MonoTime now) {
    Batch b;
    while (!queue_.empty()) {
      const std::uint32_t n = queue_.head->count;
      const bool solo = n == 0 || n > options_.max_batch;
      if (!b.waiters.empty() && (solo || n > options_.max_batch - b.total)) break;
      b.total += n;
      b.waiters.push_back(queue_.pop_front());
      if (solo) break;
    }
    b.sent = now;
    return b;
  }

  // Sends queued calls while a slot is free; one thread writes at a time, the others
  // leave it to that one. `now` is about the time (a stuck stream is judged by it).
  // Precondition and postcondition: `lock` holds mu_.
  void send_queued(std::unique_lock<std::mutex>& lock, Session& s, MonoTime now) {
    while (!stop_ && !s.write_failed && !s.read_ended && !s.writing && !queue_.empty() &&
           static_cast<int>(s.inflight.size()) < options_.max_in_flight) {
      pb::TimestampRequest req;
      req.set_count(s.inflight.emplace_back(take_batch(now)).total);
      s.writing = true;
      lock.unlock();
      const bool written = s.stream->Write(req);
      lock.lock();
      s.writing = false;
      if (!written) {
        s.write_failed = true;
        dispatch_cv_.notify_one();
      }
    }
  }

  void dispatch_loop() {
    Duration backoff = options_.initial_backoff;
    std::unique_lock lock(mu_);
    while (!stop_) {
      dispatcher_waiting_ = true;
      dispatch_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      dispatcher_waiting_ = false;
      if (stop_) break;
      const std::size_t ep = preferred_.load();
      const bool got_response = run_session(lock, ep);
      backoff =
          got_response ? options_.initial_backoff : std::min(backoff * 2, options_.max_backoff);
      dispatch_cv_.wait_for(lock, backoff, [&] { return stop_; });
    }
    std::vector<Completion>& out = dispatcher_completions_;
    while (!queue_.empty()) {
      Waiter* w = queue_.pop_front();
      out.push_back({std::move(w->callback), Status::Unavailable("client is shutting down")});
      release(w);
    }
    run(lock, out, mono_now());
  }

  // Reads responses and completes their calls in order, then sends what they queued.
  void read_loop(Session& s) {
    std::vector<Completion> done;
    pb::TimestampResponse resp;
    while (s.stream->Read(&resp)) {
      const MonoTime now = mono_now();
      std::unique_lock lock(mu_);
      s.got_response = true;
      if (s.inflight.empty() || resp.count() != s.inflight.front().total) {
        s.bad_response = true;  // the server answered something we did not ask
        break;
      }
      Batch& b = s.inflight.front();
      std::uint64_t next = resp.first();
      while (!b.waiters.empty()) {
        Waiter* w = b.waiters.pop_front();
        if (!w->done) done.push_back({std::move(w->callback), TimestampRange{next, w->count}});
        next += w->count;
        release(w);
      }
      s.inflight.pop_front();
      run(lock, done, now);
      send_queued(lock, s, now);
    }
    std::lock_guard lock(mu_);
    s.read_ended = true;
    dispatch_cv_.notify_one();
  }

  // One stream to endpoint `ep`, until it breaks or the client stops. Returns whether a
  // response arrived. Precondition and postcondition: `lock` holds mu_.
  bool run_session(std::unique_lock<std::mutex>& lock, std::size_t ep) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx_ = ctx.get();
    lock.unlock();
    Session s;
    const std::shared_ptr<pb::TimestampOracle::Stub> stub = endpoint(ep).ts;
    s.stream = stub->GetTimestamps(ctx.get());
    lock.lock();
    session_ = &s;
    std::thread reader([&] { read_loop(s); });
    const Duration stuck_after = std::max<Duration>(options_.timeout / 2, milliseconds(10));
    bool cancel = false;  // end the stream from our side (stop, hung, or a bad response)
    while (true) {
      dispatcher_waiting_ = true;
      dispatch_cv_.wait_for(lock, tick_, [&] {
        return stop_ || s.read_ended || s.write_failed || (!queue_.empty() && can_send());
      });
      dispatcher_waiting_ = false;
      if (s.read_ended || s.write_failed) {
        cancel = s.bad_response;
        break;
      }
      if (stop_ || (!s.inflight.empty() && mono_now() - s.inflight.front().sent > stuck_after)) {
        cancel = true;
        break;
      }
      send_queued(lock, s, mono_now());
    }
    lock.unlock();
    // A failed Write means the stream is over and the reader will see it; otherwise the
    // server's status (bad request, not leader) must reach Finish() uncancelled.
    if (cancel) ctx->TryCancel();
    reader.join();
    const grpc::Status gs = s.stream->Finish();
    lock.lock();
    session_ = nullptr;
    ctx_ = nullptr;
    Status failure = from_grpc(gs);
    if (failure.ok() || stop_) failure = Status::Unavailable("timestamp stream closed");
    if (retryable(failure) && !busy(gs)) follow_leader(ep, ctx->GetServerTrailingMetadata());
    requeue_or_fail(s.inflight, failure);
    run(lock, dispatcher_completions_, mono_now());
    return s.got_response;
  }

  // After a stream ended with `failure`: the first outstanding request is the one the
  // server failed on; the others were merely on the same stream and go back to the front
  // of the queue, in order. Precondition: mu_ held.
  void requeue_or_fail(std::deque<Batch>& inflight, const Status& failure) {
    for (auto it = inflight.rbegin(); it != inflight.rend(); ++it) {
      const bool culprit = std::next(it) == inflight.rend();
      WaiterList retry;
      while (!it->waiters.empty()) {
        Waiter* w = it->waiters.pop_front();
        if (w->done) {
          release(w);
        } else if (culprit && !retryable(failure)) {
          dispatcher_completions_.push_back({std::move(w->callback), failure});
          release(w);
        } else {
          w->last_error = retryable(failure) ? failure : Status::Unavailable("stream failed");
          retry.push_back(w);
        }
      }
      queue_.prepend(retry);
    }
    inflight.clear();
  }

  const TsoClientOptions options_;
  const Duration tick_;  // longest sleep of the dispatcher (hung stream) and the timer
  grpc::ChannelArguments channel_args_;
  std::mutex endpoints_mu_;
  // Guarded by endpoints_mu_: the configured endpoints in order, then leaders named by
  // followers (at most kMaxLearnedEndpoints). Indexes stay valid: it only grows, and a
  // replaced learned endpoint is only another address to try.
  std::vector<Endpoint> endpoints_;
  std::size_t learned_ = 0;  // guarded by endpoints_mu_: learned endpoints replaced so far
  std::atomic<std::size_t> preferred_{0};
  tso::SequenceCombiner sequences_;
  std::mutex seq_mu_;
  bool stopping_ = false;                        // guarded by seq_mu_: set first by the destructor
  std::vector<grpc::ClientContext*> seq_calls_;  // guarded by seq_mu_: sequence RPCs under way

  std::mutex mu_;
  std::condition_variable dispatch_cv_;
  std::condition_variable timer_cv_;
  std::deque<Waiter> storage_;   // guarded by mu_: every waiter ever made (stable addresses)
  std::vector<Waiter*> free_;    // guarded by mu_
  WaiterList queue_;             // guarded by mu_: calls not yet sent, in call order
  Session* session_ = nullptr;   // guarded by mu_: the live stream
  grpc::ClientContext* ctx_ = nullptr;  // guarded by mu_: the live stream's context
  bool stop_ = false;                   // guarded by mu_
  bool dispatcher_waiting_ = false;     // guarded by mu_: notify on enqueue
  std::vector<Completion> dispatcher_completions_;  // the dispatcher's, reused
  std::vector<Completion> timer_completions_;       // the timer's, reused
  std::thread dispatcher_;
  std::thread timer_;
  // Last, so destroyed first: its worker sends through send_sequence(), and the callbacks
  // it runs while it shuts down may still call any method of the client.
  tso::AsyncSequenceQueue async_sequences_;
};

}  // namespace

Result<std::unique_ptr<TsoClient>> TsoClient::connect(TsoClientOptions options) {
  if (options.endpoints.empty()) return Status::InvalidArgument("no TSO endpoints given");
  for (const std::string& ep : options.endpoints) {
    // A port gRPC would wrap (99999 is 34463 to it) or leave out must not reach it.
    Result<tso::GrpcAddress> address = tso::parse_grpc_address(ep, tso::GrpcAddressUse::kConnect);
    if (!address.ok()) return address.status().WithContext("endpoint");
  }
  // Deadlines are now + timeout: a day keeps that sum far from overflowing.
  if (options.timeout <= Duration(0) || options.timeout > hours(24)) {
    return Status::InvalidArgument("timeout must be positive and at most 24h, got " +
                                   format_duration(options.timeout));
  }
  if (options.max_batch < 1 || options.max_batch > kHybridLogicalLimit) {
    return Status::InvalidArgument("max_batch must be 1.." + std::to_string(kHybridLogicalLimit) +
                                   " (timestamps one message may ask for), got " +
                                   std::to_string(options.max_batch));
  }
  if (options.max_in_flight < 1) return Status::InvalidArgument("max_in_flight must be >= 1");
  if (options.max_sequence_batch < 1) {
    return Status::InvalidArgument("max_sequence_batch must be at least 1");
  }
  if (options.initial_backoff <= Duration(0) || options.max_backoff < options.initial_backoff) {
    return Status::InvalidArgument("backoff must be positive and initial <= max");
  }
  return std::unique_ptr<TsoClient>(new GrpcTsoClient(std::move(options)));
}

}  // namespace kairos
