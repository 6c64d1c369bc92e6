#include "tso/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kairos.grpc.pb.h"
#include "tso/status_mapping.h"

namespace kairos::tso {
namespace {

namespace pb = ::kairos::v1;

// Followers name the leader so clients can go there directly.
grpc::Status reply_error(grpc::ServerContext* ctx, const Status& s,
                         const std::function<std::string()>& leader_address) {
  if (s.code() == StatusCode::kUnavailable && leader_address) {
    if (std::string leader = leader_address(); !leader.empty()) {
      ctx->AddTrailingMetadata(kLeaderMetadataKey, leader);
    }
  }
  return to_grpc(s);
}

class SequencerService final : public pb::Sequencer::Service {
 public:
  SequencerService(Sequencer& seq, const TsoServerOptions& options)
      : seq_(seq), options_(options) {}

  grpc::Status Next(grpc::ServerContext* ctx, const pb::NextRequest* req,
                    pb::NextResponse* resp) override {
    if (options_.may_serve) {
      if (Status s = options_.may_serve(); !s.ok())
        return reply_error(ctx, s, options_.leader_address);
    }
    Result<std::uint64_t> first = seq_.next(req->name(), req->count());
    if (!first.ok()) return reply_error(ctx, first.status(), options_.leader_address);
    resp->set_first(*first);
    resp->set_count(req->count());
    return grpc::Status::OK;
  }

 private:
  Sequencer& seq_;
  const TsoServerOptions& options_;
};

class OracleService final : public pb::TimestampOracle::Service {
 public:
  OracleService(TimestampOracle& oracle, const TsoServerOptions& options,
                std::function<void()> wake_extender)
      : oracle_(oracle), options_(options), wake_extender_(std::move(wake_extender)) {}

  grpc::Status GetTimestamps(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<pb::TimestampResponse, pb::TimestampRequest>* stream) override {
    pb::TimestampRequest req;
    pb::TimestampResponse resp;
    while (stream->Read(&req)) {
      const UnixTime now = options_.now();  // stamped once, when received
      if (options_.may_serve) {
        if (Status s = options_.may_serve(); !s.ok()) {
          return reply_error(ctx, s, options_.leader_address);
        }
      }
      Result<std::uint64_t> first = oracle_.allocate(req.count(), now);
      if (!first.ok()) return reply_error(ctx, first.status(), options_.leader_address);
      if (oracle_.wants_extension(now)) wake_extender_();
      resp.set_first(*first);
      resp.set_count(req.count());
      if (!stream->Write(resp)) break;
    }
    return grpc::Status::OK;
  }

 private:
  TimestampOracle& oracle_;
  const TsoServerOptions& options_;
  std::function<void()> wake_extender_;
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
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&seq_service_);
    builder.RegisterService(&oracle_service_);
    builder.SetMaxReceiveMessageSize(4096);  // requests are a few bytes
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      return Status::Unavailable("cannot listen for gRPC on " + options_.listen +
                                 " (address in use or invalid)");
    }
    extender_ = std::thread([this] { extend_loop(); });
    return Status::Ok();
  }

  int port() const override { return port_; }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    if (extender_.joinable()) extender_.join();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
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
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
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
