// SyncLoop: the daemon's control loop around the sync engine. It polls every source when
// the engine says, give or take a random 1/32 of the wait (sync::spread_wait), hands
// samples to the engine, publishes the resulting ClockSnapshot after every update, logs
// the engine's events, persists the drift estimate, and watches the system clock for
// steps (realtime − monotonic jumps), which it reports to the engine so the bound stays
// honest.
//
// After every update it hands the engine's line to the clock driver (the virtual clock,
// or the kernel with `discipline_system_clock`) and publishes the snapshot on the system
// clock's scale. The engine and the sources read time through engine_clock(): the system
// clock with the driver's own corrections taken out, so steering the kernel never looks
// like a measurement (docs/sync.md, "Steering the kernel clock").
//
// NTP exchanges (SocketExchange) are sent and awaited on the loop's thread; other blocking
// drivers (file I/O) run on worker threads (one each, up to 8); everything else, including
// every engine call, runs on the loop's thread.
//
// Thread safety: all methods on the loop's thread.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include "clock_driver/clock_driver.h"
#include "clock_driver/engine_scale_clock.h"
#include "daemon/status_report.h"
#include "daemon/step_watch.h"
#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "sources/source_driver.h"
#include "sync/engine.h"

namespace kairos::daemon {

struct SyncLoopOptions {
  sync::EngineConfig engine;
  std::filesystem::path drift_file;  // empty: no persistence
  Duration drift_save_interval = std::chrono::hours(1);
  Duration step_check_interval = std::chrono::seconds(1);
};

class SyncLoop {
 public:
  using Publish = std::function<void(const ClockSnapshot&)>;

  // `loop`, `clock` (the system clock) and `driver` must outlive this object.
  SyncLoop(asio::io_context& loop, const Clock& clock, clock_driver::ClockDriver& driver,
           SyncLoopOptions options, Publish publish);
  ~SyncLoop();
  SyncLoop(const SyncLoop&) = delete;
  SyncLoop& operator=(const SyncLoop&) = delete;

  Status add_source(std::unique_ptr<sources::SourceDriver> driver);
  // Starts the clock driver, loads the drift file, publishes the first (unsynchronized)
  // snapshot, starts polling. Errors: the driver could not take over the clock.
  Status start();
  // Cancels timers, waits for blocking polls, saves the drift estimate, leaves the clock
  // at the drift estimate.
  void stop();

  // The clock the sources must read (see above).
  const Clock& engine_clock() const { return engine_clock_; }

  // Offsets are against the system clock.
  std::vector<SourceReport> sources() const;
  bool synchronized_within(Duration delta, UnixTime system_now) const;

 private:
  struct Source {
    sync::SourceId id;
    std::unique_ptr<sources::SourceDriver> driver;
    std::unique_ptr<asio::steady_timer> timer;
    // A SocketExchange's socket (not owned: released, never closed; kept registered
    // between polls) and deadline; whether one is in progress.
    std::unique_ptr<asio::posix::stream_descriptor> socket;
    std::unique_ptr<asio::steady_timer> deadline;
    bool exchanging = false;
    bool in_flight = false;
    std::string last_error;
  };

  void schedule_poll(Source& s);
  void poll(Source& s);
  void on_result(Source& s, sources::PollResult result);
  // A SocketExchange on this thread: send, wait for readability or the deadline, finish.
  void start_exchange(Source& s, sources::SocketExchange& x, const sync::SampleParams& params);
  void wait_readable(Source& s, sources::SocketExchange& x);
  void finish_exchange(Source& s, sources::PollResult result);
  void run_update();
  // Publishes the engine's snapshot on the system clock's scale.
  void publish_engine_snapshot();
  void schedule_update(MonoTime at);
  void check_for_step();
  void load_drift();
  void save_drift();
  asio::steady_timer::time_point timer_point(MonoTime at) const;

  asio::io_context& loop_;
  const Clock& clock_;
  clock_driver::ClockDriver& driver_;
  clock_driver::EngineScaleClock engine_clock_;
  SyncLoopOptions options_;
  Publish publish_;
  sync::Engine engine_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::minstd_rand rng_{std::random_device{}()};  // spreads poll times (sync::spread_wait)
  asio::steady_timer update_timer_;
  asio::steady_timer step_timer_;
  std::unique_ptr<asio::thread_pool> workers_;  // one thread per blocking driver, up to 8
  StepWatch step_watch_;
  MonoTime last_drift_save_{};
  std::string last_driver_error_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace kairos::daemon
