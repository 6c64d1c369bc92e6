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
#include "daemon/http_server.h"
#include "daemon/sync_loop.h"
#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/seqlock.h"
#include "kairos/status.h"

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

  // The HTTP status endpoint's bound address, if it runs.
  std::optional<HostPort> http_address() const;

 private:
  // Makes `snapshot` the node's current time for every reader. Loop thread only.
  void publish(const ClockSnapshot& snapshot);
  HttpResponse handle_http(const std::string& path) const;
  bool ready() const;
  Status start_sync();

  Config config_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
  asio::io_context loop_;
  // The node's disciplined clock: one writer (the loop), lock-free readers.
  Seqlock<ClockSnapshot> snapshot_;
  std::unique_ptr<SyncLoop> sync_;  // null when the node has no upstream sources
  std::unique_ptr<HttpServer> http_;
};

}  // namespace kairos::daemon
