// Daemon: the composition root of `kairos serve`. It turns a Config into running
// components, starts them in dependency order (time source → NTP responder → status
// endpoint), runs the control loop until SIGINT, SIGTERM or SIGHUP (or stop()), and stops
// them in reverse order.
//
// The node's time is one ClockSnapshot in a Seqlock: the sync loop (or, with no upstream
// sources, the local clock) writes it; the NTP responder threads and the status endpoint
// read it without locks, and every publication is copied to the shared-memory segment
// other processes read (docs/shm-format.md).
//
// Thread safety: start() and run() from one thread; stop() from any thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "clock_driver/clock_driver.h"
#include "clock_driver/kernel_clock_api.h"
#include "daemon/config.h"
#include "daemon/http_server.h"
#include "daemon/sync_loop.h"
#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/seqlock.h"
#include "kairos/status.h"
#include "shm/shm_writer.h"

namespace kairos::server {
class NtpServer;
}

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
  // Runs until SIGINT/SIGTERM/SIGHUP or stop(); then stops components in reverse order.
  void run();
  // Makes run() return. Safe from any thread.
  void stop();

  // One line saying what this daemon serves, logged at start.
  std::string describe() const;

  // The node's current reference, read by the NTP responder and the status endpoint.
  const Seqlock<ClockSnapshot>& clock_snapshot() const { return snapshot_; }

 private:
  // Makes `snapshot` the node's current time for every reader. Loop thread only.
  void publish(const ClockSnapshot& snapshot);
  // With no upstream sources the local clock is the reference, republished periodically
  // (its reference time moves on).
  void publish_local_snapshot();
  void schedule_local_refresh();
  // Soft open-files limit to the hard one (open_files_limit.h); logged, never fatal.
  void raise_file_limit();
  Status start_shm();
  Status start_sync();
  Status start_ntp_server();
  Status start_http();
  HttpResponse handle_http(const std::string& path) const;
  bool ready() const;
  void schedule_shm_heartbeat();
  // Marks the segment unsynchronized, then removes it (before anything else stops).
  void stop_shm();

  Config config_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
  asio::io_context loop_;
  // The node's disciplined clock: one writer (the loop), lock-free readers.
  Seqlock<ClockSnapshot> snapshot_;
  asio::steady_timer local_refresh_timer_{loop_};
  std::unique_ptr<shm::ShmWriter> shm_writer_;  // null when [shm] name = "off"
  asio::steady_timer shm_heartbeat_{loop_};
  // What the sync loop's discipline is applied to: the virtual clock, or the kernel
  // (discipline_system_clock). Declared before sync_, which uses them until it stops.
  std::unique_ptr<clock_driver::KernelClockApi> kernel_api_;  // null unless the kernel driver
  std::unique_ptr<clock_driver::ClockDriver> clock_driver_;
  std::unique_ptr<SyncLoop> sync_;  // null when the local clock is the reference
  std::unique_ptr<server::NtpServer> ntp_server_;
  bool waiting_to_serve_ = false;  // blocking mode, not yet synchronized
  std::unique_ptr<HttpServer> http_;

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
