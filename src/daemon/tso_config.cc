#include "daemon/tso_config.h"

#include <charconv>

namespace kairos::daemon {

Status parse_tso_config(ConfigTable& t, TsoConfig& out) {
  if (Status s = t.get_string("store", out.store); !s.ok()) return s;
  if (out.store != "file") {
    return t.error("store", "unknown store '" + out.store + "' (use \"file\")");
  }
  if (Status s = t.get_duration("window", out.window); !s.ok()) return s;
  if (out.window < milliseconds(1) || out.window > hours(1)) {
    return t.error("window", "must be between 1ms and 1h");
  }
  if (Status s = t.get_duration("panic_threshold", out.panic_threshold); !s.ok()) return s;
  if (out.panic_threshold <= out.window) {
    return t.error("panic_threshold", "must be larger than tso.window");
  }
  if (Status s = t.get_int("max_timestamp_count", 1, 1 << 18, out.max_timestamp_count); !s.ok()) {
    return s;
  }
  if (Status s = t.get_int("sequence_block", 1, std::int64_t{1} << 40, out.sequence_block);
      !s.ok()) {
    return s;
  }
  if (Status s = t.get_int("max_sequence_count", 1, std::int64_t{1} << 40,
                           out.max_sequence_count);
      !s.ok()) {
    return s;
  }
  if (Status s = t.get_int("max_sequences", 1, 1'000'000, out.max_sequences); !s.ok()) return s;
  return t.finish();
}

Status validate_grpc_listen(std::string_view listen) {
  if (listen == "off") return Status::Ok();
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("'" + std::string(listen) +
                                   "' is not HOST:PORT (or \"off\")");
  }
  const std::string_view port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument("port '" + std::string(port) + "' of '" +
                                   std::string(listen) + "' is not in 0..65535");
  }
  return Status::Ok();
}

}  // namespace kairos::daemon
