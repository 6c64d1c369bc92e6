// Config: everything `kairos serve` runs on, read from TOML (docs/config.md lists every
// key, its unit and its default). Command-line flags override the file; the CLI applies
// them to a loaded Config.
//
// Thread safety: a plain value, read once at start.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "daemon/tso_config.h"
#include "kairos/status.h"

namespace kairos::daemon {

struct Config {
  // Top-level keys.
  std::filesystem::path state_dir;  // empty: $XDG_STATE_HOME/kairos or ~/.local/state/kairos
  std::string log_level = "info";   // trace, debug, info, warn, error, critical, off
  std::string grpc_listen = "127.0.0.1:11190";  // HOST:PORT of the gRPC API, or "off"

  TsoConfig tso;  // [tso]
};

// The config `make run` uses when no --config is given (src/daemon/default_config.toml).
std::string_view default_config_text();

// Parses and validates config text; `file` names it in errors.
Result<Config> parse_config(std::string_view text, const std::string& file);
// Reads and parses a file.
Result<Config> load_config_file(const std::filesystem::path& path);

// Checks a log level name (as accepted by --log-level and `log_level`).
Status validate_log_level(std::string_view level);

// The state directory to use: `configured` if set, else $XDG_STATE_HOME/kairos, else
// $HOME/.local/state/kairos. Creates it (and parents) if missing.
Result<std::filesystem::path> prepare_state_dir(const std::filesystem::path& configured);

}  // namespace kairos::daemon
