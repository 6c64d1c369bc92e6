// Daemon: the composition root of `kairos serve`. It turns a Config into running
// components, starts them in dependency order, runs the control loop until SIGINT or
// SIGTERM (or stop()), and stops them in reverse order.
//
// Thread safety: start() and run() from one thread; stop() from any thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "daemon/config.h"
#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/seqlock.h"
#include "kairos/status.h"

namespace kairos::server {
class NtpServer;
}

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

  // The node's current reference, read by the NTP responder (and later the shm publisher,
  // status, TSO). The daemon owns it; the sync engine will be its one writer.
  const Seqlock<ClockSnapshot>& clock_snapshot() const { return snapshot_; }

 private:
  // Publishes the local clock as the reference (until the sync engine exists).
  void publish_local_snapshot();
  void schedule_refresh();

  Config config_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
  asio::io_context loop_;
  Seqlock<ClockSnapshot> snapshot_;
  asio::steady_timer refresh_timer_{loop_};
  std::unique_ptr<server::NtpServer> ntp_server_;
};

}  // namespace kairos::daemon
