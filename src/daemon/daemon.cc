#include "daemon/daemon.h"

#include <spdlog/spdlog.h>

#include <asio/signal_set.hpp>
#include <csignal>
#include <thread>

#include "io/socket_address.h"
#include "kairos/version.h"
#include "server/ntp_server.h"

namespace kairos::daemon {
namespace {

// How often the local-clock reference is republished (its reference time moves on).
constexpr auto kSnapshotRefresh = std::chrono::seconds(64);

server::ServerOptions ntp_server_options(const NtpConfig& c, const io::SocketAddress& listen) {
  server::ServerOptions o;
  o.listen = listen;
  o.threads = c.threads > 0 ? c.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.rate_limit.enabled = c.rate_limit;
  o.rate_limit.rate_per_second = c.rate_limit_per_second;
  o.rate_limit.burst = static_cast<std::uint32_t>(c.rate_limit_burst);
  o.rate_limit.limit_loopback = c.rate_limit_loopback;
  o.rate_limit.send_kod = c.rate_limit_action == "kod";
  o.rate_limit.table_size = static_cast<std::size_t>(c.rate_limit_clients);
  return o;
}

}  // namespace

Daemon::Daemon(Config config, std::filesystem::path state_dir, const Clock& clock)
    : config_(std::move(config)), state_dir_(std::move(state_dir)), clock_(clock) {}

Daemon::~Daemon() {
  if (ntp_server_) ntp_server_->stop();
}

void Daemon::publish_local_snapshot() {
  snapshot_.store(local_clock_snapshot(clock_.realtime(),
                                       static_cast<std::uint8_t>(config_.ntp.local_stratum)));
}

void Daemon::schedule_refresh() {
  refresh_timer_.expires_after(kSnapshotRefresh);
  refresh_timer_.async_wait([this](const std::error_code& ec) {
    if (ec) return;
    publish_local_snapshot();
    if (ntp_server_) spdlog::debug("ntp: {}", ntp_server_->counters().to_string());
    schedule_refresh();
  });
}

Status Daemon::start() {
  publish_local_snapshot();
  if (config_.ntp.enabled()) {
    if (Status s = validate_ntp_config(config_.ntp); !s.ok()) return s.WithContext("ntp");
    Result<io::SocketAddress> listen = io::SocketAddress::parse(config_.ntp.listen);
    if (!listen.ok()) return listen.status().WithContext("ntp.listen");
    ntp_server_ = std::make_unique<server::NtpServer>(ntp_server_options(config_.ntp, *listen),
                                                      clock_, snapshot_);
    if (Status s = ntp_server_->start(); !s.ok()) {
      ntp_server_.reset();
      return s;
    }
    const server::ServerOptions o = ntp_server_options(config_.ntp, *listen);
    spdlog::info("ntp: listening on {} ({} threads, local stratum {}, rate limit {})",
                 ntp_server_->local_address().to_string(), o.threads, config_.ntp.local_stratum,
                 config_.ntp.rate_limit ? config_.ntp.rate_limit_action : "off");
  }
  return Status::Ok();
}

std::string Daemon::describe() const {
  const std::string ntp = ntp_server_ ? "NTP on " + ntp_server_->local_address().to_string()
                                      : std::string("control loop only, NTP off");
  return std::string("kairos ") + std::string(kVersion) + " serving: " + ntp + " (state in " +
         state_dir_.string() + ", started at " + format_unix_time(clock_.realtime()) + ")";
}

void Daemon::run() {
  asio::signal_set signals(loop_, SIGINT, SIGTERM);
  signals.async_wait([this](const std::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    loop_.stop();
  });
  schedule_refresh();
  spdlog::info("{}", describe());
  loop_.run();
  // Reverse order of start.
  if (ntp_server_) {
    ntp_server_->stop();
    spdlog::info("ntp: stopped: {}", ntp_server_->counters().to_string());
  }
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
