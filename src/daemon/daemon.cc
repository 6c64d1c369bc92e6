#include "daemon/daemon.h"

#include <asio/signal_set.hpp>
#include <csignal>
#include <cstring>
#include <functional>
#include <spdlog/spdlog.h>
#include <thread>

#include "clock_driver/linux_kernel_clock_driver.h"
#include "daemon/logged_store.h"
#include "daemon/open_files_limit.h"
#include "daemon/status_report.h"
#include "io/socket_address.h"
#include "kairos/version.h"
#include "server/ntp_server.h"
#include "shm/shm_writer.h"
#include "sources/file_source.h"
#include "sources/ntp_source.h"
#include "tso/etcd_client.h"
#include "tso/etcd_election.h"
#include "tso/etcd_store.h"
#include "tso/file_store.h"
#include "tso/grpc_server.h"
#include "tso/sequencer.h"
#include "tso/timestamp_oracle.h"

namespace kairos::daemon {
namespace {

// How often the local-clock reference is republished (its reference time moves on).
constexpr auto kLocalRefresh = std::chrono::seconds(64);

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
  stop_tso();
  stop_shm();
  if (http_) http_->stop();
  if (ntp_server_) ntp_server_->stop();
  if (sync_) sync_->stop();
}

void Daemon::publish(const ClockSnapshot& snapshot) {
  snapshot_.store(snapshot);
  if (shm_writer_) shm_writer_->publish(snapshot);
  // A blocking node serves downstream only once it is within its target.
  if (waiting_to_serve_ && ready()) {
    waiting_to_serve_ = false;
    spdlog::info("synchronized within {}: serving downstream",
                 format_duration(config_.sync.engine.target_delta));
    if (Status s = start_ntp_server(); !s.ok()) {
      spdlog::error("cannot start the NTP responder: {}", s.message());
      loop_.stop();
    }
  }
}

Status Daemon::start_shm() {
  if (!config_.shm.enabled()) return Status::Ok();
  const shm::ShmWriterOptions options{config_.shm.name, config_.shm.stale_after,
                                      config_.shm.heartbeat_interval};
  Result<std::unique_ptr<shm::ShmWriter>> w = shm::ShmWriter::create(options, clock_);
  if (!w.ok()) return w.status().WithContext("shm");
  shm_writer_ = std::move(*w);
  spdlog::info("shm: bounded time published at {} (stale after {})", config_.shm.name,
               format_duration(config_.shm.stale_after));
  return Status::Ok();
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

void Daemon::publish_local_snapshot() {
  publish(local_clock_snapshot(clock_.realtime(),
                               static_cast<std::uint8_t>(config_.ntp.local_stratum)));
}

void Daemon::schedule_local_refresh() {
  local_refresh_timer_.expires_after(kLocalRefresh);
  local_refresh_timer_.async_wait([this](const std::error_code& ec) {
    if (ec) return;
    publish_local_snapshot();
    if (ntp_server_) spdlog::debug("ntp: {}", ntp_server_->counters().to_string());
    schedule_local_refresh();
  });
}

Status Daemon::start_sync() {
  SyncLoopOptions options;
  options.engine = config_.sync.engine;
  options.drift_file = state_dir_ / "drift";
  if (config_.sync.discipline_system_clock) {
    kernel_api_ = clock_driver::linux_kernel_clock_api();
    clock_driver::LinuxKernelClockOptions o;
    o.nominal_tick_us = clock_driver::nominal_tick_us();
    o.residual_horizon = sync::poll_interval(config_.sync.engine.maxpoll);
    clock_driver_ = std::make_unique<clock_driver::LinuxKernelClockDriver>(*kernel_api_, o);
    spdlog::warn("sync.discipline_system_clock = true: kairos STEERS THIS MACHINE'S KERNEL "
                 "CLOCK (adjtimex frequency, steps only when the discipline steps); run no "
                 "other NTP daemon beside it");
  } else {
    clock_driver_ = std::make_unique<clock_driver::VirtualClockDriver>();
  }
  sync_ = std::make_unique<SyncLoop>(loop_, clock_, *clock_driver_, options,
                                     [this](const ClockSnapshot& s) { publish(s); });
  // Sources read the engine's scale (the system clock without our own corrections).
  const Clock& source_clock = sync_->engine_clock();
  for (const SourceConfig& sc : config_.sources) {
    if (sc.type == "ntp") {
      auto drivers = sources::ntp_drivers_for(sc.address, source_clock);
      if (!drivers.ok()) return drivers.status();
      for (auto& d : *drivers) {
        if (Status s = sync_->add_source(std::move(d)); !s.ok()) return s;
      }
    } else if (sc.type == "file") {
      auto driver = std::make_unique<sources::FileSourceDriver>(
          sources::FileSourceSettings{sc.path, sc.max_offset, sc.max_drift_ppm}, source_clock);
      if (Status s = sync_->add_source(std::move(driver)); !s.ok()) return s;
    } else {
      return Status::InvalidArgument("unknown source type " + sc.type);
    }
  }
  return sync_->start();
}

Status Daemon::start_ntp_server() {
  if (!config_.ntp.enabled()) return Status::Ok();
  if (Status s = validate_ntp_config(config_.ntp); !s.ok()) return s.WithContext("ntp");
  Result<io::SocketAddress> listen = io::SocketAddress::parse(config_.ntp.listen);
  if (!listen.ok()) return listen.status().WithContext("ntp.listen");
  const server::ServerOptions o = ntp_server_options(config_.ntp, *listen);
  ntp_server_ = std::make_unique<server::NtpServer>(o, clock_, snapshot_);
  if (Status s = ntp_server_->start(); !s.ok()) {
    ntp_server_.reset();
    return s;
  }
  spdlog::info("ntp: listening on {} ({} threads, {}, rate limit {})",
               ntp_server_->local_address().to_string(), o.threads,
               sync_ ? "stratum from upstream"
                     : "local stratum " + std::to_string(config_.ntp.local_stratum),
               config_.ntp.rate_limit ? config_.ntp.rate_limit_action : "off");
  return Status::Ok();
}

Status Daemon::start_http() {
  Result<std::optional<HostPort>> listen = parse_listen(config_.http.listen, "http listen");
  if (!listen.ok()) return listen.status();
  if (!*listen) return Status::Ok();
  auto server = HttpServer::start(loop_, **listen,
                                  [this](const std::string& path) { return handle_http(path); });
  if (!server.ok()) return server.status();
  http_ = std::move(*server);
  return Status::Ok();
}

void Daemon::raise_file_limit() {
  Result<OpenFilesLimit> limit = raise_open_files_limit();
  if (!limit.ok()) {
    spdlog::warn("open files limit left as it is: {}", limit.status().message());
  } else if (limit->before != limit->now) {
    spdlog::info("open files limit raised from {} to {} (each gRPC connection holds one)",
                 limit->before, limit->now);
  }
}

Status Daemon::start() {
  // A log pipe whose reader went away (`kairos serve 2>&1 | logger`, logger gone) must not
  // end the time service, nor its clean stop: writes to it fail with EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  raise_file_limit();
  if (Status s = start_shm(); !s.ok()) return s;
  if (config_.sources.empty()) {
    if (config_.sync.discipline_system_clock) {
      spdlog::warn("sync.discipline_system_clock = true has no effect without sources: the "
                   "local clock is the reference and is left alone");
    }
    publish_local_snapshot();
  } else if (Status s = start_sync(); !s.ok()) {
    return s;
  }
  if (config_.sync.mode == "blocking" && config_.ntp.enabled() && !ready()) {
    waiting_to_serve_ = true;  // publish() starts the responder once synchronized
  } else if (Status s = start_ntp_server(); !s.ok()) {
    return s;
  }
  if (Status s = start_http(); !s.ok()) return s;
  if (Status s = start_tso(); !s.ok()) return s.WithContext("tso");
  return Status::Ok();
}

Status Daemon::start_tso() {
  if (config_.grpc_listen == "off") return Status::Ok();
  const TsoConfig& c = config_.tso;
  if (c.store == "etcd") {
    etcd_client_ = std::make_unique<tso::EtcdClient>(c.etcd_endpoints, seconds(1));
    tso_store_ = std::make_unique<tso::EtcdStore>(*etcd_client_, c.etcd_prefix,
                                                  [this] { return election_->fence(); });
  } else {
    Result<std::unique_ptr<tso::FileStore>> store = tso::FileStore::open(state_dir_);
    if (!store.ok()) return store.status();
    tso_store_ = std::move(*store);
  }
  tso_store_ = std::make_unique<LoggedStore>(
      std::move(tso_store_), clock_,
      [](const std::string& problem) { spdlog::warn("tso: {}", problem); },
      [](const std::string& event) { spdlog::info("tso: {}", event); });
  tso::TimestampOracleOptions oracle_options{
      .window = c.window,
      .panic_threshold = c.panic_threshold,
      .max_count = static_cast<std::uint32_t>(c.max_timestamp_count)};
  if (Status s = tso::validate(oracle_options); !s.ok()) return s;
  oracle_ = std::make_unique<tso::TimestampOracle>(*tso_store_, oracle_options);
  sequencer_ = std::make_unique<tso::Sequencer>(
      *tso_store_, tso::SequencerOptions{
                       .block = static_cast<std::uint64_t>(c.sequence_block),
                       .max_count = static_cast<std::uint64_t>(c.max_sequence_count),
                       .max_names = static_cast<std::size_t>(c.max_sequences)});
  // The oracle's `now`: the node's disciplined virtual clock, read lock-free from the
  // snapshot, so the physical part is never behind the time this node serves.
  auto now = [this] { return snapshot_.load().virtual_time(clock_.realtime()); };
  if (c.store == "file") {
    if (Status s = oracle_->recover(now()); !s.ok()) return s;
  }
  tso::TsoServerOptions server_options;
  server_options.listen = config_.grpc_listen;
  server_options.unix_socket_mode = c.socket_mode;
  server_options.now = now;
  server_options.busy_poll = c.busy_poll;
  server_options.warn = [](const std::string& line) { spdlog::warn("tso: {}", line); };
  if (c.store == "etcd") {
    server_options.leader_address = [this] { return election_->leader_address(); };
    server_options.may_serve = [this] {
      if (election_->lease_is_fresh()) return Status::Ok();
      const std::string leader = election_->leader_address();
      return Status::Unavailable("not the leader (or its lease is not surely alive)" +
                                 (leader.empty() ? std::string() : "; the leader is " + leader));
    };
  }
  Result<std::unique_ptr<tso::TsoServer>> server =
      tso::TsoServer::start(std::move(server_options), *oracle_, *sequencer_);
  if (!server.ok()) return server.status();
  tso_server_ = std::move(*server);
  const std::string where =
      config_.grpc_listen.starts_with("unix:")
          ? config_.grpc_listen
          : fmt::format("{} (port {})", config_.grpc_listen, tso_server_->port());
  spdlog::info("tso: gRPC listening on {}, store {}, window {}", where, tso_store_->describe(),
               format_duration(c.window));
  if (c.store == "etcd") {
    tso::EtcdElectionOptions election{
        .prefix = c.etcd_prefix,
        .address = c.advertise.empty() ? config_.grpc_listen : c.advertise,
        .lease_ttl = c.etcd_lease_ttl,
        .poll = milliseconds(100),
        .on_elected =
            [this, now] {
              Status s = oracle_->recover(now());
              if (s.ok()) sequencer_->recover();
              if (s.ok())
                spdlog::info("tso: leader, serving (window to {} ms)", oracle_->limit_ms());
              return s;
            },
        .on_deposed =
            [this](const std::string& why) {
              oracle_->stop_serving(Status::Unavailable(why));
              sequencer_->stop_serving(Status::Unavailable(why));
            },
        .log = [](const std::string& event) { spdlog::info("tso election: {}", event); },
        .warn = [](const std::string& problem) { spdlog::warn("tso election: {}", problem); }};
    election_ = std::make_unique<tso::EtcdElection>(*etcd_client_, std::move(election));
    election_->start();
  }
  return Status::Ok();
}

void Daemon::stop_tso() {
  if (tso_server_) tso_server_->shutdown();
  if (election_) election_->stop();  // steps down and gives the lease back
  tso_server_.reset();
  sequencer_.reset();
  oracle_.reset();
  tso_store_.reset();
  election_.reset();
  etcd_client_.reset();
}


bool Daemon::ready() const {
  if (config_.sync.mode != "blocking") return true;
  return sync_ != nullptr &&
         sync_->synchronized_within(config_.sync.engine.target_delta, clock_.realtime());
}

HttpResponse Daemon::handle_http(const std::string& path) const {
  if (path == "/status") {
    // Strings may hold bytes that are not UTF-8 (a --file-source path from the command
    // line): they are replaced, not thrown about.
    nlohmann::json j = status_json(snapshot_.load(), clock_.realtime(),
                                   sync_ ? sync_->sources() : std::vector<SourceReport>{}, ready());
    j["ntp_server"] = ntp_server_ ? ntp_server_json(ntp_server_->counters(),
                                                    ntp_server_->local_address().to_string())
                                  : nlohmann::json(nullptr);
    return {200, "application/json",
            j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
  }
  if (path == "/healthz") return {200, "text/plain", "ok\n"};
  if (path == "/readyz") {
    return ready() ? HttpResponse{200, "text/plain", "ready\n"}
                   : HttpResponse{503, "text/plain", "not ready: not synchronized\n"};
  }
  return {404, "text/plain", "not found: try /status, /healthz or /readyz\n"};
}

std::string Daemon::describe() const {
  std::string what = "kairos " + std::string(kVersion) + " serving:";
  if (ntp_server_) {
    what += " NTP on " + ntp_server_->local_address().to_string();
  } else {
    what += waiting_to_serve_ ? " NTP once synchronized (blocking)" : " NTP off";
  }
  if (http_) what += ", status on http://" + http_->local_address().to_string();
  if (tso_server_) what += ", timestamps and sequences on gRPC " + config_.grpc_listen;
  if (sync_) {
    what += "; syncing from";
    for (const SourceReport& s : sync_->sources()) what += " " + s.address;
    what += " (" + config_.sync.mode + ")";
  } else {
    what += "; reference: local clock at stratum " + std::to_string(config_.ntp.local_stratum);
  }
  return what + " (state in " + state_dir_.string() + ")";
}

void Daemon::run() {
  // SIGHUP too (a closed terminal, a reload script): its default would end the process on
  // the spot, leaving the shared-memory segment to go stale and the socket file behind.
  asio::signal_set signals(loop_, SIGINT, SIGTERM, SIGHUP);
  signals.async_wait([this](const std::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received SIG{}, shutting down", ::sigabbrev_np(signo));
    stop_shm();  // readers must stop trusting this node before anything else goes
    loop_.stop();
  });
  // SIGUSR1: a TSO leader resigns (etcd store); it may be elected again later.
  asio::signal_set resign(loop_, SIGUSR1);
  std::function<void(const std::error_code&, int)> on_resign = [&](const std::error_code& ec, int) {
    if (ec) return;
    if (election_) {
      spdlog::info("received SIGUSR1, resigning TSO leadership");
      election_->resign();
    }
    resign.async_wait(on_resign);
  };
  resign.async_wait(on_resign);
  if (!sync_) schedule_local_refresh();
  schedule_shm_heartbeat();
  spdlog::info("{}", describe());
  loop_.run();
  // Reverse order of start.
  stop_shm();
  stop_tso();
  if (http_) http_->stop();
  if (ntp_server_) {
    ntp_server_->stop();
    spdlog::info("ntp: stopped: {}", ntp_server_->counters().to_string());
  }
  if (sync_) sync_->stop();
  spdlog::info("stopped");
}

void Daemon::stop() { loop_.stop(); }

}  // namespace kairos::daemon
