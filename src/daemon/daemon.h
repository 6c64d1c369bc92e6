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
#include <asio/steady_timer.hpp>

#include "daemon/config.h"
#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/status.h"
#include "shm/shm_writer.h"

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

  // Hands a new clock snapshot to every reader component (the shm segment). Call on the
  // control loop's thread.
  void publish(const ClockSnapshot& snapshot);

 private:
  Config config_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
  asio::io_context loop_;
  std::unique_ptr<shm::ShmWriter> shm_writer_;  // null when [shm] name = "off"
  asio::steady_timer shm_heartbeat_{loop_};

  void schedule_shm_heartbeat();
  // Takes the segment's "synchronized" status away, then removes it (first step of stop).
  void stop_shm();
};

}  // namespace kairos::daemon
