// Config: everything `kairos serve` runs on, read from TOML (docs/config.md lists every
// key, its unit and its default). Command-line flags override the file; the CLI applies
// them to a loaded Config.
//
// Thread safety: a plain value, read once at start.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kairos/host_port.h"
#include "daemon/tso_config.h"
#include "kairos/status.h"
#include "kairos/time.h"
#include "sync/engine_config.h"

namespace kairos::daemon {

// [http]: the status endpoint.
struct HttpConfig {
  std::string listen = "127.0.0.1:11180";  // ADDR:PORT, or "off"
};

// [sync]: how the node disciplines its virtual clock (docs/sync.md has the model).
struct SyncConfig {
  // "nonblocking": serve at once, flagged unsynchronized until within target_delta;
  // "blocking": serve nothing downstream and report not-ready until then.
  std::string mode = "nonblocking";
  // Steer the kernel clock (adjtimex) so it follows the virtual clock. Root only
  // (CAP_SYS_TIME); never together with the [testing] clock shifts.
  bool discipline_system_clock = false;
  sync::EngineConfig engine;
};

// One [[source]]: where time comes from.
struct SourceConfig {
  std::string type;     // "ntp" or "file"
  std::string address;  // ntp: HOST[:PORT]
  std::string path;     // file: the probe file, or a directory for this node's probe file
  Duration max_offset = std::chrono::seconds(1);  // file: alarm above this |offset|
  double max_drift_ppm = 500.0;                   // file: alarm above this drift between checks
};

// [testing]: make this process act as if its system clock were off (never touches it).
struct TestingConfig {
  Duration sim_clock_offset{0};
  double sim_clock_drift_ppm = 0.0;
};

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
  std::string grpc_listen = "127.0.0.1:11190";  // HOST:PORT or unix:PATH of gRPC, or "off"
  TsoConfig tso;  // [tso]
  NtpConfig ntp;
  HttpConfig http;
  SyncConfig sync;
  std::vector<SourceConfig> sources;
  TestingConfig testing;
  ShmConfig shm;
};

// Checks a [sync] mode name.
Status validate_sync_mode(std::string_view mode);

// A listen address from a flag or key: "off" gives nullopt; otherwise ADDR:PORT with a
// literal IP address (IPv6 in brackets). `what` names the flag or key in errors.
Result<std::optional<HostPort>> parse_listen(std::string_view text, std::string_view what);

// Checks the [ntp] values that flags may also set (listen address form, ranges).
Status validate_ntp_config(const NtpConfig& ntp);

// The config `make run` uses when no --config is given (src/daemon/default_config.toml).
std::string_view default_config_text();

// Parses and validates config text; `file` names it in errors.
Result<Config> parse_config(std::string_view text, const std::string& file);
// Checks [shm] values (also after flags override them): name, and
// 0 < heartbeat_interval < stale_after.
Status validate_shm_config(const ShmConfig& shm);

// Checks that `discipline_system_clock` can be honoured: the process holds CAP_SYS_TIME
// (`has_cap_sys_time`, passed in so tests need no privileges) and no [testing] clock shift
// is set. Errors name the key.
Status validate_system_clock_discipline(const Config& config, bool has_cap_sys_time);

// The [tso] keys that depend on grpc_listen, checked once flags have overridden the file:
// tso.socket_mode needs a unix: grpc_listen; with the etcd store, followers send clients
// to the address the leader advertises (tso.advertise, else grpc_listen), so a wildcard
// host (0.0.0.0, ::) or port 0 there, which reach no one, is refused. Errors name the keys.
Status validate_tso_against_listen(const Config& config);

// Reads and parses a file.
Result<Config> load_config_file(const std::filesystem::path& path);

// Checks a log level name (as accepted by --log-level and `log_level`).
Status validate_log_level(std::string_view level);

// The state directory to use: `configured` if set, else $XDG_STATE_HOME/kairos, else
// $HOME/.local/state/kairos. Creates it (and parents) if missing.
Result<std::filesystem::path> prepare_state_dir(const std::filesystem::path& configured);

}  // namespace kairos::daemon
