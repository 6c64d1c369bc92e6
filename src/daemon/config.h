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

namespace kairos::daemon {

// [ntp]: the NTP responder (docs/config.md, docs/ntp.md).
struct NtpConfig {
  std::string listen = "127.0.0.1:11123";  // "ADDR:PORT", "[V6]:PORT", or "off"
  int local_stratum = 10;                  // stratum served from the local clock (1..15)
  int threads = 0;                         // responder threads/sockets; 0: one per core
  bool rate_limit = true;                  // per-client token bucket (never for loopback
  double rate_limit_per_second = 1.0;      //   unless rate_limit_loopback)
  int rate_limit_burst = 16;
  std::string rate_limit_action = "kod";  // "kod" (RATE Kiss-o'-Death) or "drop"
  bool rate_limit_loopback = false;
  int rate_limit_clients = 16384;  // clients tracked per thread (bounded memory)

  bool enabled() const { return listen != "off"; }
};

struct Config {
  // Top-level keys.
  std::filesystem::path state_dir;  // empty: $XDG_STATE_HOME/kairos or ~/.local/state/kairos
  std::string log_level = "info";   // trace, debug, info, warn, error, critical, off
  NtpConfig ntp;
};

// Checks the [ntp] values that flags may also set (listen address form, ranges).
Status validate_ntp_config(const NtpConfig& ntp);

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
