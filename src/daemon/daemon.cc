#include "daemon/daemon.h"

#include <csignal>

#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "kairos/version.h"

namespace kairos::daemon {

Daemon::Daemon(Config config, std::filesystem::path state_dir, const Clock& clock)
    : config_(std::move(config)), state_dir_(std::move(state_dir)), clock_(clock) {}

Daemon::~Daemon() = default;

Status Daemon::start() { return Status::Ok(); }

std::string Daemon::describe() const {
  return std::string("kairos ") + std::string(kVersion) + " serving: control loop only (state in " +
         state_dir_.string() + ", started at " + format_unix_time(clock_.realtime()) + ")";
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
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
