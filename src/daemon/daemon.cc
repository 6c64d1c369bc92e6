#include "daemon/daemon.h"

#include <csignal>

#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "daemon/status_report.h"
#include "sources/file_source.h"
#include "kairos/version.h"

namespace kairos::daemon {

Daemon::Daemon(Config config, std::filesystem::path state_dir, const Clock& clock)
    : config_(std::move(config)), state_dir_(std::move(state_dir)), clock_(clock) {}

Daemon::~Daemon() = default;

Status Daemon::start_sync() {
  SyncLoopOptions options;
  options.engine = config_.sync.engine;
  options.drift_file = state_dir_ / "drift";
  sync_ = std::make_unique<SyncLoop>(loop_, clock_, options,
                                     [this](const ClockSnapshot& s) { publish(s); });
  for (const SourceConfig& sc : config_.sources) {
    std::unique_ptr<sources::SourceDriver> driver;
    if (sc.type == "file") {
      driver = std::make_unique<sources::FileSourceDriver>(
          sources::FileSourceSettings{sc.path, sc.max_offset, sc.max_drift_ppm}, clock_);
    }
    if (driver == nullptr) return Status::InvalidArgument("unknown source type " + sc.type);
    if (Status s = sync_->add_source(std::move(driver)); !s.ok()) return s;
  }
  sync_->start();
  return Status::Ok();
}

Status Daemon::start() {
  if (config_.sources.empty()) {
    ClockSnapshot initial;
    initial.system_ref = clock_.realtime();
    publish(initial);
  } else if (Status s = start_sync(); !s.ok()) {
    return s;
  }

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

bool Daemon::ready() const {
  if (config_.sync.mode != "blocking") return true;
  return sync_ != nullptr &&
         sync_->synchronized_within(config_.sync.engine.target_delta, clock_.realtime());
}

HttpResponse Daemon::handle_http(const std::string& path) const {
  if (path == "/status") {
    const nlohmann::json j = status_json(snapshot_.load(), clock_.realtime(),
                                         sync_ ? sync_->sources() : std::vector<SourceReport>{},
                                         ready());
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
  if (sync_) {
    what += "; syncing from";
    for (const SourceReport& s : sync_->sources()) what += " " + s.address;
    what += " (" + config_.sync.mode + ")";
  }
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
  if (sync_) sync_->stop();
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
