// `kairos serve`: run the daemon.
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "clock_driver/kernel_clock_api.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "kairos/clock.h"
#include "kairos/host_port.h"

namespace kairos::cli {
namespace {

struct ServeFlags {
  std::string config_file;
  std::string state_dir;
  std::string log_level;
  std::string http_listen;
  std::optional<std::string> ntp_listen;
  std::optional<int> local_stratum;
  std::optional<int> threads;
  std::string shm_name;
  std::vector<std::string> servers;
  std::vector<std::string> file_sources;
  std::string sync_mode;
  std::string target_delta;
  std::string sim_clock_offset;
  std::optional<double> sim_clock_drift_ppm;
  std::string grpc_listen;
};

// --server, --file-source, --sync-mode, --target-delta and the testing flags.
Status apply_sync_flags(const ServeFlags& flags, daemon::Config& config) {
  for (const std::string& server : flags.servers) {
    if (auto hp = parse_host_port(server, 123); !hp.ok()) return hp.status().WithContext("--server");
    daemon::SourceConfig sc;
    sc.type = "ntp";
    sc.address = server;
    config.sources.push_back(sc);
  }
  for (const std::string& path : flags.file_sources) {
    if (path.empty()) return Status::InvalidArgument("--file-source: the path is empty");
    daemon::SourceConfig sc;
    sc.type = "file";
    sc.path = path;
    config.sources.push_back(sc);
  }
  if (!flags.sync_mode.empty()) {
    if (Status s = daemon::validate_sync_mode(flags.sync_mode); !s.ok()) return s.WithContext("--sync-mode");
    config.sync.mode = flags.sync_mode;
  }
  if (!flags.target_delta.empty()) {
    Result<Duration> d = parse_duration(flags.target_delta);
    if (!d.ok()) return d.status().WithContext("--target-delta");
    if (*d <= Duration(0)) return Status::InvalidArgument("--target-delta: must be positive");
    config.sync.engine.target_delta = *d;
  }
  if (!flags.sim_clock_offset.empty()) {
    Result<Duration> d = parse_duration(flags.sim_clock_offset);
    if (!d.ok()) return d.status().WithContext("--sim-clock-offset");
    config.testing.sim_clock_offset = *d;
  }
  if (flags.sim_clock_drift_ppm) {
    if (!(std::abs(*flags.sim_clock_drift_ppm) <= 100000)) {  // NaN fails too
      return Status::InvalidArgument("--sim-clock-drift-ppm: must be a number within ±100000");
    }
    config.testing.sim_clock_drift_ppm = *flags.sim_clock_drift_ppm;
  }
  return Status::Ok();
}

int run_serve(const ServeFlags& flags) {
  // Log at info until the config says otherwise, so config errors are visible.
  (void)daemon::setup_logging("info");
  Result<daemon::Config> config =
      flags.config_file.empty()
          ? daemon::parse_config(daemon::default_config_text(), "<embedded default config>")
          : daemon::load_config_file(flags.config_file);
  if (!config.ok()) {
    spdlog::error("config: {}", config.status().message());
    return 2;
  }
  // Flags override the file.
  if (!flags.state_dir.empty()) config->state_dir = flags.state_dir;
  if (!flags.log_level.empty()) config->log_level = flags.log_level;
  if (!flags.http_listen.empty()) {
    if (auto l = daemon::parse_listen(flags.http_listen, "--http-listen"); !l.ok()) {
      spdlog::error("{}", l.status().message());
      return 2;
    }
    config->http.listen = flags.http_listen;
  }
  if (flags.ntp_listen) config->ntp.listen = *flags.ntp_listen;
  if (flags.local_stratum) config->ntp.local_stratum = *flags.local_stratum;
  if (flags.threads) config->ntp.threads = *flags.threads;
  if (Status s = daemon::validate_ntp_config(config->ntp); !s.ok()) {
    spdlog::error("ntp flags: {}", s.message());
    return 2;
  }
  if (!flags.shm_name.empty()) config->shm.name = flags.shm_name;
  if (Status s = daemon::validate_shm_config(config->shm); !s.ok()) {
    spdlog::error("--shm-name: {}", s.message());
    return 2;
  }
  if (Status s = apply_sync_flags(flags, *config); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  if (!flags.grpc_listen.empty()) {
    if (Status s = daemon::validate_grpc_listen(flags.grpc_listen); !s.ok()) {
      spdlog::error("--grpc-listen: {}", s.message());
      return 2;
    }
    config->grpc_listen = flags.grpc_listen;
  }
  if (Status s = daemon::validate_tso_against_listen(*config); !s.ok()) {
    spdlog::error("config: {}", s.message());
    return 2;
  }
  if (config->sync.discipline_system_clock) {
    Result<bool> cap = clock_driver::has_cap_sys_time();
    if (!cap.ok()) {
      spdlog::error("cannot read this process's capabilities: {}", cap.status().message());
    }
    if (Status s = daemon::validate_system_clock_discipline(*config, cap.ok() && *cap); !s.ok()) {
      spdlog::error("config: {}", s.message());
      return 2;
    }
  }
  if (Status s = daemon::setup_logging(config->log_level); !s.ok()) {
    spdlog::error("--log-level: {}", s.message());
    return 2;
  }
  Result<std::filesystem::path> state_dir = daemon::prepare_state_dir(config->state_dir);
  if (!state_dir.ok()) {
    spdlog::error("{}", state_dir.status().message());
    return 1;
  }
  // Test feature: act as if the system clock were off (the clock itself is untouched).
  std::optional<ShiftedClock> shifted;
  const daemon::TestingConfig& t = config->testing;
  if (t.sim_clock_offset != Duration(0) || t.sim_clock_drift_ppm != 0.0) {
    shifted.emplace(SystemClock::instance(), t.sim_clock_offset, t.sim_clock_drift_ppm);
    spdlog::warn("TESTING: acting as if the system clock were off by {} and drifting {:+} ppm "
                 "(--sim-clock-offset/--sim-clock-drift-ppm; never use in production)",
                 format_duration(t.sim_clock_offset), t.sim_clock_drift_ppm);
  }
  const Clock& clock = shifted ? static_cast<const Clock&>(*shifted) : SystemClock::instance();
  daemon::Daemon d(std::move(*config), *state_dir, clock);
  if (Status s = d.start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  d.run();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the kairos daemon in the foreground until SIGINT, SIGTERM or SIGHUP.\n"
      "Without --config it runs on the embedded default config (docs/config.md).");
  cmd->add_option("-c,--config", flags->config_file, "TOML config file (docs/config.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--state-dir", flags->state_dir,
                  "Directory for durable state (drift, TSO window); created if missing.\n"
                  "Default: $XDG_STATE_HOME/kairos or ~/.local/state/kairos");
  cmd->add_option("--log-level", flags->log_level,
                  "trace, debug, info, warn, error, critical or off (default: info)");
  cmd->add_option("--http-listen", flags->http_listen,
                  "ADDR:PORT of the status endpoint (/status, /healthz, /readyz), or 'off'.\n"
                  "Default 127.0.0.1:11180; port 0 lets the kernel choose (logged at start).");
  cmd->add_option("--ntp-listen", flags->ntp_listen,
                  "Address the NTP responder listens on: ADDR:PORT, [V6ADDR]:PORT, or 'off'.\n"
                  "Overrides ntp.listen (default 127.0.0.1:11123). Port 0 picks a free port\n"
                  "(the log line 'ntp: listening on' names it)");
  cmd->add_option("--local-stratum", flags->local_stratum,
                  "Stratum served while the local clock is the reference, 1..15.\n"
                  "Overrides ntp.local_stratum (default 10)");
  cmd->add_option("--threads", flags->threads,
                  "NTP responder threads, one SO_REUSEPORT socket each; 0 = one per core.\n"
                  "Overrides ntp.threads (default 0)");
  cmd->add_option("--shm-name", flags->shm_name,
                  "POSIX shared-memory name where bounded time is published for `kairos now`\n"
                  "and include/kairos/bounded_clock.h readers; 'off' disables it.\n"
                  "Config key [shm] name (default: /kairos)");
  cmd->add_option("--server", flags->servers,
                  "Upstream NTP server HOST[:PORT] to sync from (repeatable; adds to the config's\n"
                  "[[source]] list). A name with several addresses acts as a pool: each address\n"
                  "is a source of its own. With no sources the local clock is the reference.");
  cmd->add_option("--file-source", flags->file_sources,
                  "Use a file on shared storage (NFS, SAN) as a time source: PATH is a\n"
                  "directory (this node's probe file .kairos-probe.<hostname> is created in\n"
                  "it) or an existing file. Repeatable; adds to the config's [[source]]\n"
                  "type = \"file\" entries, with their default max_offset and max_drift_ppm\n"
                  "(docs/file-time.md)")
      ->allow_extra_args(false);
  cmd->add_option("--sync-mode", flags->sync_mode,
                  "nonblocking (default): serve at once, flagged unsynchronized until synced;\n"
                  "blocking: serve no NTP and report not-ready until within --target-delta")
      ->check(CLI::IsMember({"blocking", "nonblocking"}));
  cmd->add_option("--target-delta", flags->target_delta,
                  "Acceptable error bound (e.g. 5ms): sets the poll interval and when a node\n"
                  "counts as synchronized. Config [sync] target_delta (default 10ms)");
  cmd->add_option("--sim-clock-offset", flags->sim_clock_offset,
                  "TESTING ONLY: act as if the system clock were off by this much (e.g. 250ms,\n"
                  "-3s); clock reads and kernel timestamps shift alike, the clock is untouched");
  cmd->add_option("--sim-clock-drift-ppm", flags->sim_clock_drift_ppm,
                  "TESTING ONLY: act as if the system clock drifted this many ppm (+ = fast)");
  cmd->add_option("--grpc-listen", flags->grpc_listen,
                  "HOST:PORT for the gRPC API (timestamp oracle, sequencer), unix:PATH for a\n"
                  "Unix socket (local clients only; its file mode decides who connects: config\n"
                  "key [tso] socket_mode, else the umask), or 'off'. Default: 127.0.0.1:11190\n"
                  "(config key grpc_listen)");
  cmd->callback([flags, &exit_code] { exit_code = run_serve(*flags); });
}

}  // namespace kairos::cli
