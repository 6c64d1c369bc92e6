// `kairos serve`: run the daemon.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "kairos/clock.h"

namespace kairos::cli {
namespace {

struct ServeFlags {
  std::string config_file;
  std::string state_dir;
  std::string log_level;
  std::string grpc_listen;
};

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
  if (!flags.grpc_listen.empty()) {
    if (Status s = daemon::validate_grpc_listen(flags.grpc_listen); !s.ok()) {
      spdlog::error("--grpc-listen: {}", s.message());
      return 2;
    }
    config->grpc_listen = flags.grpc_listen;
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
  daemon::Daemon d(std::move(*config), *state_dir, SystemClock::instance());
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
      "Run the kairos daemon in the foreground until SIGINT or SIGTERM.\n"
      "Without --config it runs on the embedded default config (docs/config.md).");
  cmd->add_option("-c,--config", flags->config_file, "TOML config file (docs/config.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--state-dir", flags->state_dir,
                  "Directory for durable state (drift, TSO window); created if missing.\n"
                  "Default: $XDG_STATE_HOME/kairos or ~/.local/state/kairos");
  cmd->add_option("--log-level", flags->log_level,
                  "trace, debug, info, warn, error, critical or off (default: info)");
  cmd->add_option("--grpc-listen", flags->grpc_listen,
                  "HOST:PORT for the gRPC API (timestamp oracle, sequencer), or 'off'.\n"
                  "Default: 127.0.0.1:11190 (config key grpc_listen)");
  cmd->callback([flags, &exit_code] { exit_code = run_serve(*flags); });
}

}  // namespace kairos::cli
