#include "daemon/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "daemon/config_reader.h"
#include "daemon/default_config.h"
#include "io/socket_address.h"

namespace kairos::daemon {

std::string_view default_config_text() { return kDefaultConfigToml; }

Status validate_log_level(std::string_view level) {
  for (std::string_view ok : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == ok) return Status::Ok();
  }
  return Status::InvalidArgument("unknown log level '" + std::string(level) +
                                 "' (use trace, debug, info, warn, error, critical or off)");
}

namespace {

Status parse_ntp_section(ConfigTable& top, const std::string& file, NtpConfig& ntp) {
  ConfigTable t(top.table("ntp"), file, "ntp.");
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
  if (Status s = parse_ntp_section(top, file, c.ntp); !s.ok()) return s;
  if (Status s = top.finish(); !s.ok()) return s;
  return c;
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
