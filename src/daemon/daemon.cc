#include "daemon/daemon.h"

#include <csignal>

#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "kairos/version.h"
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
  Result<std::unique_ptr<tso::FileStore>> store = tso::FileStore::open(state_dir_);
  if (!store.ok()) return store.status();
  tso_store_ = std::move(*store);
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
  if (Status s = oracle_->recover(now()); !s.ok()) return s;
  Result<std::unique_ptr<tso::TsoServer>> server =
      tso::TsoServer::start({.listen = config_.grpc_listen, .now = now, .leader_address = {}},
                            *oracle_, *sequencer_);
  if (!server.ok()) return server.status();
  tso_server_ = std::move(*server);
  spdlog::info("tso: gRPC listening on port {} ({}), store {}, window {}", tso_server_->port(),
               config_.grpc_listen, tso_store_->describe(), format_duration(c.window));
  return Status::Ok();
}

void Daemon::stop_tso() {
  if (tso_server_) tso_server_->shutdown();
  tso_server_.reset();
  sequencer_.reset();
  oracle_.reset();
  tso_store_.reset();
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
  spdlog::info("{}", describe());
  loop_.run();
  stop_tso();
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
