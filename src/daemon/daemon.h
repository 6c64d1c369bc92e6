// Daemon: the composition root of `kairos serve`. It turns a Config into running
// components, starts them in dependency order, runs the control loop until SIGINT or
// SIGTERM (or stop()), and stops them in reverse order.
//
// Thread safety: start() and run() from one thread; stop() from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <asio/io_context.hpp>

#include "daemon/config.h"
#include "kairos/clock.h"
#include "kairos/status.h"

namespace kairos::tso {
class Store;
class TimestampOracle;
class Sequencer;
class TsoServer;
class EtcdClient;
class EtcdElection;
}  // namespace kairos::tso

namespace kairos::daemon {

class Daemon {
 public:
  // `clock` must outlive the daemon.
  Daemon(Config config, std::filesystem::path state_dir, const Clock& clock);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts every component; an error names the one that failed.
  Status start();
  // Runs until SIGINT/SIGTERM or stop(); then stops components in reverse order.
  void run();
  // Makes run() return. Safe from any thread.
  void stop();

  // One line saying what this daemon serves, logged at start.
  std::string describe() const;

 private:
  Config config_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
  asio::io_context loop_;

  // The timestamp oracle and sequencer (gRPC), when grpc_listen is not "off".
  Status start_tso();
  void stop_tso();
  std::unique_ptr<tso::EtcdClient> etcd_client_;  // store = "etcd"
  std::unique_ptr<tso::EtcdElection> election_;   // store = "etcd"
  std::unique_ptr<tso::Store> tso_store_;
  std::unique_ptr<tso::TimestampOracle> oracle_;
  std::unique_ptr<tso::Sequencer> sequencer_;
  std::unique_ptr<tso::TsoServer> tso_server_;
};

}  // namespace kairos::daemon
