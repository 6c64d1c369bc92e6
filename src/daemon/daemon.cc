#include "daemon/daemon.h"

#include <csignal>

#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "kairos/version.h"

namespace kairos::daemon {

Daemon::Daemon(Config config, std::filesystem::path state_dir, const Clock& clock)
    : config_(std::move(config)), state_dir_(std::move(state_dir)), clock_(clock) {}

Daemon::~Daemon() { stop_shm(); }

Status Daemon::start() {
  if (config_.shm.enabled()) {
    const shm::ShmWriterOptions options{config_.shm.name, config_.shm.stale_after,
                                        config_.shm.heartbeat_interval};
    Result<std::unique_ptr<shm::ShmWriter>> w = shm::ShmWriter::create(options, clock_);
    if (!w.ok()) return w.status().WithContext("shm");
    shm_writer_ = std::move(*w);
    spdlog::info("shm: bounded time published at {} (stale after {})", config_.shm.name,
                 format_duration(config_.shm.stale_after));
  }
  // Until the sync engine is wired in, the node serves its local clock.
  publish(local_clock_snapshot(clock_.realtime(), 10));
  return Status::Ok();
}

void Daemon::publish(const ClockSnapshot& snapshot) {
  if (shm_writer_) shm_writer_->publish(snapshot);
}

void Daemon::schedule_shm_heartbeat() {
  if (!shm_writer_) return;
  shm_heartbeat_.expires_after(config_.shm.heartbeat_interval);
  shm_heartbeat_.async_wait([this](const std::error_code& ec) {
    if (ec || !shm_writer_) return;
    shm_writer_->heartbeat();
    schedule_shm_heartbeat();
  });
}

void Daemon::stop_shm() {
  shm_heartbeat_.cancel();
  if (!shm_writer_) return;
  shm_writer_->shutdown();
  shm_writer_.reset();
}

std::string Daemon::describe() const {
  return std::string("kairos ") + std::string(kVersion) + " serving: control loop only (state in " +
         state_dir_.string() + ", started at " + format_unix_time(clock_.realtime()) + ")";
}

void Daemon::run() {
  asio::signal_set signals(loop_, SIGINT, SIGTERM);
  signals.async_wait([this](const std::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    stop_shm();
    loop_.stop();
  });
  schedule_shm_heartbeat();
  spdlog::info("{}", describe());
  loop_.run();
  stop_shm();
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
