#include "daemon/config.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "daemon/config_reader.h"
#include "daemon/default_config.h"
#include "io/socket_address.h"
#include "shm/shm_writer.h"
#include "tso/grpc_address.h"

namespace kairos::daemon {

std::string_view default_config_text() { return kDefaultConfigToml; }

Status validate_log_level(std::string_view level) {
  for (std::string_view ok : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == ok) return Status::Ok();
  }
  return Status::InvalidArgument("unknown log level '" + std::string(level) +
                                 "' (use trace, debug, info, warn, error, critical or off)");
}

Status validate_sync_mode(std::string_view mode) {
  if (mode == "blocking" || mode == "nonblocking") return Status::Ok();
  return Status::InvalidArgument("unknown sync mode '" + std::string(mode) +
                                 "' (use blocking or nonblocking)");
}

Status validate_shm_config(const ShmConfig& shm) {
  if (!shm.enabled()) return Status::Ok();
  return shm::validate_writer_options({shm.name, shm.stale_after, shm.heartbeat_interval});
}

namespace {

Status parse_sync(ConfigTable& top, const std::string& file, SyncConfig& c) {
  const toml::table* t = nullptr;
  if (Status s = top.get_table("sync", t); !s.ok()) return s;
  ConfigTable sync(t, file, "sync.");
  sync::EngineConfig& e = c.engine;
  std::int64_t step_updates = e.step_updates, minpoll = e.minpoll, maxpoll = e.maxpoll,
               min_sources = e.min_sources;
  for (Status s : {sync.get_string("mode", c.mode),
                   sync.get_bool("discipline_system_clock", c.discipline_system_clock),
                   sync.get_duration("target_delta", e.target_delta),
                   sync.get_double("max_slew_ppm", e.max_slew_ppm),
                   sync.get_duration("step_threshold", e.step_threshold),
                   sync.get_int("step_updates", 0, 1000000, step_updates),
                   sync.get_bool("allow_step", e.allow_step),
                   sync.get_duration("panic_threshold", e.panic_threshold),
                   sync.get_bool("force", e.force),
                   sync.get_double("max_drift_ppm", e.max_drift_ppm),
                   sync.get_int("minpoll", -4, 17, minpoll),
                   sync.get_int("maxpoll", -4, 17, maxpoll),
                   sync.get_int("min_sources", 1, 64, min_sources)}) {
    if (!s.ok()) return s;
  }
  e.step_updates = static_cast<int>(step_updates);
  e.minpoll = static_cast<std::int8_t>(minpoll);
  e.maxpoll = static_cast<std::int8_t>(maxpoll);
  e.min_sources = static_cast<int>(min_sources);
  if (Status s = validate_sync_mode(c.mode); !s.ok()) return sync.error("mode", s.message());
  if (e.target_delta <= Duration(0)) return sync.error("target_delta", "must be positive");
  if (e.max_slew_ppm <= 0 || e.max_slew_ppm > 100000) {
    return sync.error("max_slew_ppm", "must be in (0, 100000]");
  }
  if (e.step_threshold <= Duration(0)) return sync.error("step_threshold", "must be positive");
  if (e.panic_threshold < e.step_threshold) {
    return sync.error("panic_threshold", "must not be below step_threshold");
  }
  if (e.max_drift_ppm < 0 || e.max_drift_ppm > 1000) {
    return sync.error("max_drift_ppm", "must be in [0, 1000]");
  }
  if (e.maxpoll < e.minpoll) return sync.error("maxpoll", "must not be below minpoll");
  return sync.finish();
}

Status parse_sources(ConfigTable& top, const std::string& file, std::vector<SourceConfig>& out) {
  const toml::node* node = top.get_node("source");
  if (node == nullptr) return Status::Ok();
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return top.error("source", "expected [[source]] tables");
  }
  int index = 0;
  for (const toml::node& entry : *arr) {
    const std::string prefix = "source[" + std::to_string(index++) + "].";
    ConfigTable t(entry.as_table(), file, prefix);
    SourceConfig sc;
    for (Status s : {t.get_string("type", sc.type), t.get_string("address", sc.address),
                     t.get_string("path", sc.path), t.get_duration("max_offset", sc.max_offset),
                     t.get_double("max_drift_ppm", sc.max_drift_ppm)}) {
      if (!s.ok()) return s;
    }
    if (sc.type == "file") {
      if (sc.path.empty()) return t.error("type", "a file source needs a path");
      if (!sc.address.empty()) return t.error("address", "not used by a file source");
    } else if (sc.type == "ntp") {
      if (sc.address.empty()) return t.error("type", "an ntp source needs an address");
      if (!sc.path.empty()) return t.error("path", "not used by an ntp source");
      if (auto hp = parse_host_port(sc.address, 123); !hp.ok()) {
        return t.error("address", hp.status().message());
      }
    } else if (sc.type.empty()) {
      return t.error("type", "missing: every [[source]] needs a type (ntp or file)");
    } else {
      return t.error("type", "unknown source type '" + sc.type + "' (use ntp or file)");
    }
    if (sc.max_offset <= Duration(0)) return t.error("max_offset", "must be positive");
    if (sc.max_drift_ppm <= 0) return t.error("max_drift_ppm", "must be positive");
    if (Status s = t.finish(); !s.ok()) return s;
    out.push_back(std::move(sc));
  }
  return Status::Ok();
}

Status parse_testing(ConfigTable& top, const std::string& file, TestingConfig& c) {
  const toml::table* t = nullptr;
  if (Status s = top.get_table("testing", t); !s.ok()) return s;
  ConfigTable testing(t, file, "testing.");
  if (Status s = testing.get_duration("sim_clock_offset", c.sim_clock_offset); !s.ok()) return s;
  if (Status s = testing.get_double("sim_clock_drift_ppm", c.sim_clock_drift_ppm); !s.ok()) return s;
  if (!(std::abs(c.sim_clock_drift_ppm) <= 100000)) {
    return testing.error("sim_clock_drift_ppm", "must be within ±100000");
  }
  return testing.finish();
}

Status parse_ntp_section(ConfigTable& top, const std::string& file, NtpConfig& ntp) {
  const toml::table* table = nullptr;
  if (Status s = top.get_table("ntp", table); !s.ok()) return s;
  ConfigTable t(table, file, "ntp.");
  std::int64_t v = 0;
  if (Status s = t.get_string("listen", ntp.listen); !s.ok()) return s;
  v = ntp.local_stratum;
  if (Status s = t.get_int("local_stratum", 1, 15, v); !s.ok()) return s;
  ntp.local_stratum = static_cast<int>(v);
  v = ntp.threads;
  if (Status s = t.get_int("threads", 0, 256, v); !s.ok()) return s;
  ntp.threads = static_cast<int>(v);
  if (Status s = t.get_bool("rate_limit", ntp.rate_limit); !s.ok()) return s;
  if (Status s = t.get_double("rate_limit_per_second", ntp.rate_limit_per_second); !s.ok()) {
    return s;
  }
  if (!(ntp.rate_limit_per_second > 0 && ntp.rate_limit_per_second <= 1e6)) {
    return t.error("rate_limit_per_second", "must be > 0 and <= 1000000");
  }
  v = ntp.rate_limit_burst;
  if (Status s = t.get_int("rate_limit_burst", 1, 1 << 20, v); !s.ok()) return s;
  ntp.rate_limit_burst = static_cast<int>(v);
  if (Status s = t.get_string("rate_limit_action", ntp.rate_limit_action); !s.ok()) return s;
  if (Status s = t.get_bool("rate_limit_loopback", ntp.rate_limit_loopback); !s.ok()) return s;
  v = ntp.rate_limit_clients;
  if (Status s = t.get_int("rate_limit_clients", 4, 1 << 22, v); !s.ok()) return s;
  ntp.rate_limit_clients = static_cast<int>(v);
  if (Status s = validate_ntp_config(ntp); !s.ok()) {
    const bool action = s.message().find("rate_limit_action") != std::string::npos;
    return t.error(action ? "rate_limit_action" : "listen", s.message());
  }
  return t.finish();
}

Status parse_shm_section(ConfigTable& top, const std::string& file, ShmConfig& shm) {
  const toml::table* table = nullptr;
  if (Status s = top.get_table("shm", table); !s.ok()) return s;
  ConfigTable t(table, file, "shm.");
  if (Status s = t.get_string("name", shm.name); !s.ok()) return s;
  if (Status s = t.get_duration("stale_after", shm.stale_after); !s.ok()) return s;
  if (Status s = t.get_duration("heartbeat_interval", shm.heartbeat_interval); !s.ok()) return s;
  if (Status s = validate_shm_config(shm); !s.ok()) {
    const bool name_problem = s.message().rfind("shm name", 0) == 0;
    return t.error(name_problem ? "name" : "stale_after", s.message());
  }
  return t.finish();
}

}  // namespace

Status validate_ntp_config(const NtpConfig& ntp) {
  if (ntp.rate_limit_action != "kod" && ntp.rate_limit_action != "drop") {
    return Status::InvalidArgument("rate_limit_action must be \"kod\" or \"drop\", got '" +
                                   ntp.rate_limit_action + "'");
  }
  if (ntp.local_stratum < 1 || ntp.local_stratum > 15) {
    return Status::OutOfRange("local stratum must be 1..15, got " +
                              std::to_string(ntp.local_stratum));
  }
  if (ntp.threads < 0 || ntp.threads > 256) {
    return Status::OutOfRange("threads must be 0..256, got " + std::to_string(ntp.threads));
  }
  if (!ntp.enabled()) return Status::Ok();
  Result<io::SocketAddress> a = io::SocketAddress::parse(ntp.listen);
  if (!a.ok()) return a.status();
  return Status::Ok();
}

Result<Config> parse_config(std::string_view text, const std::string& file) {
  Result<toml::table> doc = parse_toml(text, file);
  if (!doc.ok()) return doc.status();
  Config c;
  ConfigTable top(&*doc, file, "");
  std::string state_dir;
  if (Status s = top.get_string("state_dir", state_dir); !s.ok()) return s;
  c.state_dir = state_dir;
  if (Status s = top.get_string("log_level", c.log_level); !s.ok()) return s;
  if (Status s = validate_log_level(c.log_level); !s.ok()) {
    return top.error("log_level", s.message());
  }
  if (Status s = top.get_string("grpc_listen", c.grpc_listen); !s.ok()) return s;
  if (Status s = validate_grpc_listen(c.grpc_listen); !s.ok()) {
    return top.error("grpc_listen", s.message());
  }
  const toml::table* tso_table = nullptr;
  if (Status s = top.get_table("tso", tso_table); !s.ok()) return s;
  ConfigTable tso(tso_table, file, "tso.");
  if (Status s = parse_tso_config(tso, c.tso); !s.ok()) return s;
  if (Status s = parse_ntp_section(top, file, c.ntp); !s.ok()) return s;
  const toml::table* http_table = nullptr;
  if (Status s = top.get_table("http", http_table); !s.ok()) return s;
  ConfigTable http(http_table, file, "http.");
  if (Status s = http.get_string("listen", c.http.listen); !s.ok()) return s;
  if (auto l = parse_listen(c.http.listen, "listen"); !l.ok()) {
    return http.error("listen", l.status().message());
  }
  if (Status s = http.finish(); !s.ok()) return s;
  if (Status s = parse_sync(top, file, c.sync); !s.ok()) return s;
  if (Status s = parse_sources(top, file, c.sources); !s.ok()) return s;
  if (Status s = parse_testing(top, file, c.testing); !s.ok()) return s;
  if (Status s = parse_shm_section(top, file, c.shm); !s.ok()) return s;
  if (Status s = top.finish(); !s.ok()) return s;
  return c;
}

Status validate_system_clock_discipline(const Config& config, bool has_cap_sys_time) {
  if (!config.sync.discipline_system_clock) return Status::Ok();
  if (config.testing.sim_clock_offset != Duration(0) || config.testing.sim_clock_drift_ppm != 0.0) {
    return Status::InvalidArgument(
        "sync.discipline_system_clock = true cannot be combined with --sim-clock-offset / "
        "--sim-clock-drift-ppm ([testing]): the kernel clock would follow a pretend clock");
  }
  if (!has_cap_sys_time) {
    return Status::FailedPrecondition(
        "sync.discipline_system_clock = true needs CAP_SYS_TIME (run as root, or grant the "
        "capability); this process may not set the clock. Set it to false to keep the "
        "virtual clock only");
  }
  return Status::Ok();
}

Status validate_tso_against_listen(const Config& config) {
  if (config.tso.socket_mode && !config.grpc_listen.starts_with("unix:")) {
    return Status::InvalidArgument("tso.socket_mode is for a Unix socket, but grpc_listen is '" +
                                   config.grpc_listen + "' (use unix:PATH, or drop the key)");
  }
  if (config.tso.store != "etcd" || !config.tso.advertise.empty()) return Status::Ok();
  if (config.grpc_listen == "off") return Status::Ok();
  Result<tso::GrpcAddress> a =
      tso::parse_grpc_address(config.grpc_listen, tso::GrpcAddressUse::kListen);
  if (!a.ok()) return a.status();
  if (a->is_unix()) return Status::Ok();
  if (a->tcp.host == "0.0.0.0" || a->tcp.host == "::" || a->tcp.port == 0) {
    return Status::InvalidArgument(
        "grpc_listen '" + config.grpc_listen +
        "' is no address a client can reach: with tso.store = \"etcd\", set tso.advertise to "
        "the HOST:PORT clients reach this node at (followers send clients there)");
  }
  return Status::Ok();
}

Result<std::optional<HostPort>> parse_listen(std::string_view text, std::string_view what) {
  if (text == "off") return std::optional<HostPort>();
  Result<HostPort> hp = parse_host_port(text, 0);
  if (!hp.ok()) return hp.status();
  if (text.find(':') == std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + ": '" + std::string(text) +
                                   "' needs a port (ADDR:PORT, or off)");
  }
  return std::optional<HostPort>(*hp);
}

Result<Config> load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read config file " + path.string() + ": " +
                            std::error_code(errno, std::generic_category()).message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path.string());
}

Result<std::filesystem::path> prepare_state_dir(const std::filesystem::path& configured) {
  std::filesystem::path dir = configured;
  if (dir.empty()) {
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0') {
      dir = std::filesystem::path(xdg) / "kairos";
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
      dir = std::filesystem::path(home) / ".local" / "state" / "kairos";
    } else {
      return Status::FailedPrecondition(
          "no state directory: set --state-dir, state_dir, XDG_STATE_HOME or HOME");
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::Unavailable("cannot create state directory " + dir.string() + ": " +
                               ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::FailedPrecondition("state directory " + dir.string() + " is not a directory");
  }
  return dir;
}

}  // namespace kairos::daemon
