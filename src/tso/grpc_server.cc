#include "tso/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_posix.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include "kairos.grpc.pb.h"
#include "kairos/clock.h"
#include "tso/connection_acceptor.h"
#include "tso/grpc_address.h"
#include "tso/status_mapping.h"

namespace kairos::tso {
namespace {

namespace pb = ::kairos::v1;

constexpr int kMaxStreamsPerConnection = 100;

// Followers name the leader so clients can go there directly.
grpc::Status reply_error(grpc::ServerContextBase* ctx, const Status& s,
                         const std::function<std::string()>& leader_address) {
  if (s.code() == StatusCode::kUnavailable && leader_address) {
    if (std::string leader = leader_address(); !leader.empty()) {
      ctx->AddTrailingMetadata(kLeaderMetadataKey, leader);
    }
  }
  return to_grpc(s);
}

// Whether this node may answer now (a leader whose lease is surely alive). Asked before a
// request takes values and again after: the lease may end meanwhile (a wait for the store,
// a paused process), and the next leader may already have served above values taken then.
Status may_serve(const TsoServerOptions& options) {
  return options.may_serve ? options.may_serve() : Status::Ok();
}

class SequencerService final : public pb::Sequencer::Service {
 public:
  SequencerService(Sequencer& seq, const TsoServerOptions& options)
      : seq_(seq), options_(options) {}

  grpc::Status Next(grpc::ServerContext* ctx, const pb::NextRequest* req,
                    pb::NextResponse* resp) override {
    if (Status s = may_serve(options_); !s.ok())
      return reply_error(ctx, s, options_.leader_address);
    Result<std::uint64_t> first = seq_.next(req->name(), req->count());
    if (!first.ok()) return reply_error(ctx, first.status(), options_.leader_address);
    if (Status s = may_serve(options_); !s.ok())
      return reply_error(ctx, s, options_.leader_address);
    resp->set_first(*first);
    resp->set_count(req->count());
    return grpc::Status::OK;
  }

 private:
  Sequencer& seq_;
  const TsoServerOptions& options_;
};

// One timestamp stream, driven by the oracle thread's completion queue: the thread that
// polls the socket answers the request (no hand-off to a handler thread per message),
// starts the next read at once, and writes responses one at a time, in order. An error
// ends the stream with its status once the responses before it are written.
//
// Reading pauses while kMaxPendingResponses responses wait to be written, and resumes when
// one is: a client that sends requests but does not read the responses is held back by
// HTTP/2 flow control instead of growing the queue without bound.
class TimestampStream {
 public:
  // Our client keeps at most a few stream messages in flight (TsoClientOptions).
  static constexpr std::size_t kMaxPendingResponses = 16;

  enum class Op { kAccepted, kRead, kWritten, kFinished };
  // What a completion-queue tag points to.
  struct Tag {
    TimestampStream* stream;
    Op op;
  };

  // Asks for the next incoming stream; its completions come to `cq`.
  TimestampStream(pb::TimestampOracle::AsyncService& service, grpc::ServerCompletionQueue& cq,
                  TimestampOracle& oracle, const TsoServerOptions& options,
                  const std::function<void()>& wake_extender)
      : oracle_(oracle), options_(options), wake_extender_(wake_extender) {
    service.RequestGetTimestamps(&ctx_, &stream_, &cq, &cq, &accepted_);
    ops_ = 1;
  }

  // One completion for this stream. Returns false when the stream is over: delete it.
  // With `stopping` (the queue is being shut down) it starts nothing and is over when
  // its last operation completed.
  bool on_event(Op op, bool ok, bool stopping) {
    --ops_;
    if (stopping) return ops_ > 0;
    switch (op) {
      case Op::kAccepted:
        if (!ok) return false;  // the server is shutting down
        read();
        return true;
      case Op::kRead:
        on_read(ok);
        return true;
      case Op::kWritten:
        on_written(ok);
        return true;
      case Op::kFinished:
        return false;
    }
    return false;
  }

 private:
  void on_read(bool ok) {
    if (!ok || write_failed_) return end_reading(grpc::Status::OK);
    const UnixTime now = options_.now();  // stamped once, when received
    if (Status s = may_serve(options_); !s.ok()) {
      return end_reading(reply_error(&ctx_, s, options_.leader_address));
    }
    Result<std::uint64_t> first = oracle_.allocate(req_.count(), now);
    if (!first.ok()) return end_reading(reply_error(&ctx_, first.status(), options_.leader_address));
    if (Status s = may_serve(options_); !s.ok()) {
      return end_reading(reply_error(&ctx_, s, options_.leader_address));
    }
    if (oracle_.wants_extension(now)) wake_extender_();
    pb::TimestampResponse& resp = pending_.emplace_back();
    resp.set_first(*first);
    resp.set_count(req_.count());
    if (!writing_) write();
    if (pending_.size() < kMaxPendingResponses) {
      read();
    } else {
      read_paused_ = true;  // resumed by on_written (a write is in progress)
    }
  }

  void read() {
    ++ops_;
    stream_.Read(&req_, &read_);
  }
  void write() {
    ++ops_;
    writing_ = true;
    stream_.Write(pending_.front(), &written_);
  }

  void on_written(bool ok) {
    writing_ = false;
    pending_.pop_front();
    if (!ok) {
      write_failed_ = true;  // the client is gone; the read fails too
      pending_.clear();
    } else if (!pending_.empty()) {
      write();
    }
    if (read_paused_) {
      read_paused_ = false;
      if (write_failed_) return end_reading(grpc::Status::OK);
      read();
    }
    finish_if_done();
  }

  void end_reading(grpc::Status status) {
    reading_ = false;
    status_ = std::move(status);
    finish_if_done();
  }

  void finish_if_done() {
    if (reading_ || writing_ || finishing_) return;
    finishing_ = true;
    ++ops_;
    stream_.Finish(status_, &finished_);
  }

  TimestampOracle& oracle_;
  const TsoServerOptions& options_;
  const std::function<void()>& wake_extender_;
  grpc::ServerContext ctx_;
  grpc::ServerAsyncReaderWriter<pb::TimestampResponse, pb::TimestampRequest> stream_{&ctx_};
  pb::TimestampRequest req_;                   // the read in progress
  std::deque<pb::TimestampResponse> pending_;  // front is being written
  bool reading_ = true;
  bool writing_ = false;
  bool write_failed_ = false;
  bool read_paused_ = false;  // no read in progress: too many responses wait to be written
  bool finishing_ = false;
  int ops_ = 0;          // operations started and not yet completed
  grpc::Status status_;  // the stream's end
  Tag accepted_{this, Op::kAccepted};
  Tag read_{this, Op::kRead};
  Tag written_{this, Op::kWritten};
  Tag finished_{this, Op::kFinished};
};

// Serves every timestamp stream on one thread that polls the completion queue. After each
// completion it keeps polling without sleeping for `busy_poll`: on a VM, waking a sleeping
// thread costs tens of microseconds, about half a loopback round trip (docs/tso.md).
class OracleService {
 public:
  OracleService(TimestampOracle& oracle, const TsoServerOptions& options,
                std::function<void()> wake_extender)
      : oracle_(oracle), options_(options), wake_extender_(std::move(wake_extender)) {}

  pb::TimestampOracle::AsyncService& service() { return service_; }

  // Runs until `cq` is shut down and drained; every stream is deleted by then.
  void serve(grpc::ServerCompletionQueue& cq) {
    auto accept_next = [&] { new TimestampStream(service_, cq, oracle_, options_, wake_extender_); };
    {
      std::lock_guard lock(ops_mu_);
      if (!stopping_) accept_next();
    }
    void* tag = nullptr;
    bool ok = false;
    MonoTime poll_until = MonoTime::min();
    while (next_completion(cq, poll_until, &tag, &ok)) {
      const auto* t = static_cast<const TimestampStream::Tag*>(tag);
      {
        std::lock_guard lock(ops_mu_);
        if (t->op == TimestampStream::Op::kAccepted && ok && !stopping_) accept_next();
        if (!t->stream->on_event(t->op, ok, stopping_)) delete t->stream;
      }
      if (options_.busy_poll > Duration::zero()) {
        poll_until = SystemClock::instance().monotonic() + options_.busy_poll;
      }
    }
  }

  // No operation starts after this returns, so the queue may be shut down (gRPC aborts
  // when an operation starts on a queue being shut down).
  void stop_starting_ops() {
    std::lock_guard lock(ops_mu_);
    stopping_ = true;
  }

 private:
  // The next completion, polling without sleeping until `poll_until`, then sleeping.
  // Returns false once the queue is shut down and drained.
  static bool next_completion(grpc::ServerCompletionQueue& cq, MonoTime poll_until, void** tag,
                              bool* ok) {
    while (SystemClock::instance().monotonic() < poll_until) {
      switch (cq.AsyncNext(tag, ok, gpr_time_0(GPR_CLOCK_MONOTONIC))) {
        case grpc::CompletionQueue::GOT_EVENT:
          return true;
        case grpc::CompletionQueue::SHUTDOWN:
          return false;
        case grpc::CompletionQueue::TIMEOUT:
          break;
      }
      std::this_thread::yield();  // a thread waiting for this CPU goes first
    }
    return cq.Next(tag, ok);
  }

  TimestampOracle& oracle_;
  const TsoServerOptions& options_;
  std::function<void()> wake_extender_;
  pb::TimestampOracle::AsyncService service_;
  std::mutex ops_mu_;      // held while a completion is handled
  bool stopping_ = false;  // guarded by ops_mu_
};

class GrpcTsoServer final : public TsoServer {
 public:
  GrpcTsoServer(TsoServerOptions options, TimestampOracle& oracle, Sequencer& seq)
      : options_(std::move(options)),
        oracle_(oracle),
        seq_service_(seq, options_),
        oracle_service_(oracle, options_, [this] { wake(); }) {}

  ~GrpcTsoServer() override { shutdown(); }

  Status start() {
    Result<GrpcAddress> address = parse_grpc_address(options_.listen, GrpcAddressUse::kListen);
    if (!address.ok()) return address.status().WithContext("gRPC listen address");
    // Our own listener, not gRPC's: see connection_acceptor.h.
    Result<std::unique_ptr<ConnectionAcceptor>> acceptor = ConnectionAcceptor::listen(
        *address, ConnectionAcceptorOptions{.unix_mode = options_.unix_socket_mode});
    if (!acceptor.ok()) return acceptor.status();
    acceptor_ = std::move(*acceptor);
    grpc::ServerBuilder builder;
    builder.RegisterService(&seq_service_);
    builder.RegisterService(&oracle_service_.service());
    builder.SetMaxReceiveMessageSize(4096);  // requests are a few bytes
    // Bounds on what one client can make us hold: threads for sequence calls, streams per
    // connection (HTTP/2 asks for at least 100; more wait for one to end), and requests
    // buffered per stream: with BDP probing, gRPC took 607,098 requests (about 5 MB) into
    // a stream that was not being read before flow control held its client back; without
    // it, about 20,000 (some 160 KB).
    grpc::ResourceQuota quota("kairos-tso");
    quota.SetMaxThreads(options_.max_sequence_threads);
    builder.SetResourceQuota(quota);
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxStreamsPerConnection);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_IDLE_MS,
        static_cast<int>(std::clamp<std::int64_t>(
            std::chrono::duration_cast<milliseconds>(options_.max_connection_idle).count(), 1,
            std::numeric_limits<int>::max())));
    oracle_cq_ = builder.AddCompletionQueue();
    server_ = builder.BuildAndStart();
    if (!server_) return Status::Unavailable("cannot start the gRPC server");
    acceptor_->start([this](int fd) { grpc::AddInsecureChannelFromFd(server_.get(), fd); },
                     options_.warn);
    oracle_thread_ = std::thread([this] { oracle_service_.serve(*oracle_cq_); });
    extender_ = std::thread([this] { extend_loop(); });
    return Status::Ok();
  }

  int port() const override { return acceptor_->port(); }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    if (extender_.joinable()) extender_.join();
    if (acceptor_) acceptor_->stop();  // no connection reaches gRPC after this
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    // After the server: its streams' last completions still reach the queue.
    oracle_service_.stop_starting_ops();
    // Start failed: the queue never saw an operation, and its destructor shuts it down
    // (Shutdown() would log an error about the server that never started).
    if (!server_) return;
    oracle_cq_->Shutdown();
    oracle_thread_.join();
  }

 private:
  void wake() {
    {
      std::lock_guard lock(mu_);
      wake_ = true;
    }
    cv_.notify_one();
  }

  // Extends the window when half of it is used; also checks periodically, so an idle
  // oracle keeps a window ahead of the clock.
  void extend_loop() {
    std::unique_lock lock(mu_);
    while (!stopped_) {
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopped_ || wake_; });
      if (stopped_) break;
      wake_ = false;
      lock.unlock();
      const UnixTime now = options_.now();
      if (oracle_.wants_extension(now)) (void)oracle_.extend(now);
      lock.lock();
    }
  }

  TsoServerOptions options_;
  TimestampOracle& oracle_;
  SequencerService seq_service_;
  OracleService oracle_service_;
  std::unique_ptr<grpc::ServerCompletionQueue> oracle_cq_;
  std::thread oracle_thread_;  // OracleService::serve: every timestamp stream
  std::unique_ptr<ConnectionAcceptor> acceptor_;
  std::unique_ptr<grpc::Server> server_;
  std::thread extender_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
  bool wake_ = false;     // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<TsoServer>> TsoServer::start(TsoServerOptions options,
                                                    TimestampOracle& oracle, Sequencer& sequencer) {
  if (!options.now) return Status::InvalidArgument("TsoServer needs a time source");
  auto server = std::make_unique<GrpcTsoServer>(std::move(options), oracle, sequencer);
  if (Status s = server->start(); !s.ok()) return s;
  return std::unique_ptr<TsoServer>(std::move(server));
}

}  // namespace kairos::tso
