#include "daemon/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "daemon/config_reader.h"
#include "daemon/default_config.h"

namespace kairos::daemon {

std::string_view default_config_text() { return kDefaultConfigToml; }

Status validate_log_level(std::string_view level) {
  for (std::string_view ok : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == ok) return Status::Ok();
  }
  return Status::InvalidArgument("unknown log level '" + std::string(level) +
                                 "' (use trace, debug, info, warn, error, critical or off)");
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
  ConfigTable tso(top.table("tso"), file, "tso.");
  if (Status s = parse_tso_config(tso, c.tso); !s.ok()) return s;
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
  if (ec) return Status::Unavailable("cannot create state directory " + dir.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::FailedPrecondition("state directory " + dir.string() + " is not a directory");
  }
  return dir;
}

}  // namespace kairos::daemon
