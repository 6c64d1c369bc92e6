#include "daemon/daemon.h"

#include <csignal>

#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "daemon/status_report.h"
#include "kairos/version.h"

namespace kairos::daemon {

Daemon::Daemon(Config config, std::filesystem::path state_dir, const Clock& clock)
    : config_(std::move(config)), state_dir_(std::move(state_dir)), clock_(clock) {}

Daemon::~Daemon() = default;

Status Daemon::start() {
  ClockSnapshot initial;
  initial.system_ref = clock_.realtime();
  publish(initial);

  Result<std::optional<HostPort>> http_listen = parse_listen(config_.http.listen, "http listen");
  if (!http_listen.ok()) return http_listen.status();
  if (*http_listen) {
    auto server = HttpServer::start(loop_, **http_listen,
                                    [this](const std::string& path) { return handle_http(path); });
    if (!server.ok()) return server.status();
    http_ = std::move(*server);
  }
  return Status::Ok();
}

void Daemon::publish(const ClockSnapshot& snapshot) { snapshot_.store(snapshot); }

bool Daemon::ready() const { return true; }

HttpResponse Daemon::handle_http(const std::string& path) const {
  if (path == "/status") {
    const nlohmann::json j = status_json(snapshot_.load(), clock_.realtime(), {}, ready());
    return {200, "application/json", j.dump(2) + "\n"};
  }
  if (path == "/healthz") return {200, "text/plain", "ok\n"};
  if (path == "/readyz") {
    return ready() ? HttpResponse{200, "text/plain", "ready\n"}
                   : HttpResponse{503, "text/plain", "not ready: not synchronized\n"};
  }
  return {404, "text/plain", "not found: try /status, /healthz or /readyz\n"};
}

std::optional<HostPort> Daemon::http_address() const {
  if (!http_) return std::nullopt;
  return http_->local_address();
}

std::string Daemon::describe() const {
  std::string what = "kairos " + std::string(kVersion) + " serving:";
  if (http_) what += " status on http://" + http_->local_address().to_string();
  else what += " no endpoints";
  return what + " (state in " + state_dir_.string() + ")";
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
  // Stop in reverse order of start.
  if (http_) http_->stop();
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
