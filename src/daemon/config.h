// Config: everything `kairos serve` runs on, read from TOML (docs/config.md lists every
// key, its unit and its default). Command-line flags override the file; the CLI applies
// them to a loaded Config.
//
// Thread safety: a plain value, read once at start.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::daemon {

// [shm]: the bounded-clock segment (docs/shm-format.md).
struct ShmConfig {
  std::string name = "/kairos";              // POSIX shm name; "off" disables the segment
  Duration stale_after = seconds(10);        // readers report stale after this heartbeat age
  Duration heartbeat_interval = seconds(1);  // how often the segment is rewritten (< stale_after)
  bool enabled() const { return name != "off"; }
};

struct Config {
  // Top-level keys.
  std::filesystem::path state_dir;  // empty: $XDG_STATE_HOME/kairos or ~/.local/state/kairos
  std::string log_level = "info";   // trace, debug, info, warn, error, critical, off
  ShmConfig shm;
};

// The config `make run` uses when no --config is given (src/daemon/default_config.toml).
std::string_view default_config_text();

// Parses and validates config text; `file` names it in errors.
Result<Config> parse_config(std::string_view text, const std::string& file);
// Checks [shm] values (also after flags override them): name, and
// 0 < heartbeat_interval < stale_after.
Status validate_shm_config(const ShmConfig& shm);

// Reads and parses a file.
Result<Config> load_config_file(const std::filesystem::path& path);

// Checks a log level name (as accepted by --log-level and `log_level`).
Status validate_log_level(std::string_view level);

// The state directory to use: `configured` if set, else $XDG_STATE_HOME/kairos, else
// $HOME/.local/state/kairos. Creates it (and parents) if missing.
Result<std::filesystem::path> prepare_state_dir(const std::filesystem::path& configured);

}  // namespace kairos::daemon
