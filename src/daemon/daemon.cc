#include "daemon/daemon.h"

#include <csignal>
#include <functional>

#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "kairos/version.h"
#include "tso/etcd_client.h"
#include "tso/etcd_election.h"
#include "tso/etcd_store.h"
#include "tso/file_store.h"
#include "tso/grpc_server.h"
#include "tso/sequencer.h"
#include "tso/timestamp_oracle.h"

namespace kairos::daemon {

Daemon::Daemon(Config config, std::filesystem::path state_dir, const Clock& clock)
    : config_(std::move(config)), state_dir_(std::move(state_dir)), clock_(clock) {}

Daemon::~Daemon() { stop_tso(); }

Status Daemon::start() {
  if (Status s = start_tso(); !s.ok()) return s.WithContext("tso");
  return Status::Ok();
}

Status Daemon::start_tso() {
  if (config_.grpc_listen == "off") return Status::Ok();
  const TsoConfig& c = config_.tso;
  if (c.store == "etcd") {
    etcd_client_ = std::make_unique<tso::EtcdClient>(c.etcd_endpoints, seconds(1));
    tso_store_ = std::make_unique<tso::EtcdStore>(*etcd_client_, c.etcd_prefix,
                                                  [this] { return election_->fence(); });
  } else {
    Result<std::unique_ptr<tso::FileStore>> store = tso::FileStore::open(state_dir_);
    if (!store.ok()) return store.status();
    tso_store_ = std::move(*store);
  }
  tso::TimestampOracleOptions oracle_options{
      .window = c.window,
      .panic_threshold = c.panic_threshold,
      .max_count = static_cast<std::uint32_t>(c.max_timestamp_count)};
  if (Status s = tso::validate(oracle_options); !s.ok()) return s;
  oracle_ = std::make_unique<tso::TimestampOracle>(*tso_store_, oracle_options);
  sequencer_ = std::make_unique<tso::Sequencer>(
      *tso_store_, tso::SequencerOptions{
                       .block = static_cast<std::uint64_t>(c.sequence_block),
                       .max_count = static_cast<std::uint64_t>(c.max_sequence_count),
                       .max_names = static_cast<std::size_t>(c.max_sequences)});
  // The oracle's `now`: this node's clock. (Once the sync engine publishes its
  // ClockSnapshot, this becomes the disciplined virtual time read from the seqlock.)
  auto now = [this] { return clock_.realtime(); };
  if (c.store == "file") {
    if (Status s = oracle_->recover(now()); !s.ok()) return s;
  }
  tso::TsoServerOptions server_options;
  server_options.listen = config_.grpc_listen;
  server_options.now = now;
  if (c.store == "etcd") {
    server_options.leader_address = [this] { return election_->leader_address(); };
    server_options.may_serve = [this] {
      if (election_->lease_is_fresh(clock_.monotonic())) return Status::Ok();
      const std::string leader = election_->leader_address();
      return Status::Unavailable("not the leader (or its lease is not surely alive)" +
                                 (leader.empty() ? std::string() : "; the leader is " + leader));
    };
  }
  Result<std::unique_ptr<tso::TsoServer>> server =
      tso::TsoServer::start(std::move(server_options), *oracle_, *sequencer_);
  if (!server.ok()) return server.status();
  tso_server_ = std::move(*server);
  spdlog::info("tso: gRPC listening on port {} ({}), store {}, window {}", tso_server_->port(),
               config_.grpc_listen, tso_store_->describe(), format_duration(c.window));
  if (c.store == "etcd") {
    tso::EtcdElectionOptions election{
        .prefix = c.etcd_prefix,
        .address = c.advertise.empty() ? config_.grpc_listen : c.advertise,
        .lease_ttl = c.etcd_lease_ttl,
        .poll = milliseconds(100),
        .on_elected =
            [this, now] {
              Status s = oracle_->recover(now());
              if (s.ok()) sequencer_->recover();
              if (s.ok()) spdlog::info("tso: leader, serving (window to {} ms)", oracle_->limit_ms());
              return s;
            },
        .on_deposed =
            [this](const std::string& why) {
              oracle_->stop_serving(Status::Unavailable(why));
              sequencer_->stop_serving(Status::Unavailable(why));
            },
        .log = [](const std::string& event) { spdlog::info("tso election: {}", event); }};
    election_ = std::make_unique<tso::EtcdElection>(*etcd_client_, std::move(election));
    election_->start();
  }
  return Status::Ok();
}

void Daemon::stop_tso() {
  if (tso_server_) tso_server_->shutdown();
  if (election_) election_->stop();  // steps down and gives the lease back
  tso_server_.reset();
  sequencer_.reset();
  oracle_.reset();
  tso_store_.reset();
  election_.reset();
  etcd_client_.reset();
}

std::string Daemon::describe() const {
  return std::string("kairos ") + std::string(kVersion) + " serving: " +
         (config_.grpc_listen == "off" ? std::string("control loop only")
                                       : "timestamps and sequences on gRPC " + config_.grpc_listen) +
         " (state in " + state_dir_.string() + ", started at " + format_unix_time(clock_.realtime()) + ")";
}

void Daemon::run() {
  asio::signal_set signals(loop_, SIGINT, SIGTERM);
  signals.async_wait([this](const std::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    loop_.stop();
  });
  // SIGUSR1: a TSO leader resigns (etcd store); it may be elected again later.
  asio::signal_set resign(loop_, SIGUSR1);
  std::function<void(const std::error_code&, int)> on_resign = [&](const std::error_code& ec, int) {
    if (ec) return;
    if (election_) {
      spdlog::info("received SIGUSR1, resigning TSO leadership");
      election_->resign();
    }
    resign.async_wait(on_resign);
  };
  resign.async_wait(on_resign);
  spdlog::info("{}", describe());
  loop_.run();
  stop_tso();
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
