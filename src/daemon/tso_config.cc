#include "daemon/tso_config.h"

#include "tso/grpc_address.h"

namespace kairos::daemon {

Status parse_tso_config(ConfigTable& t, TsoConfig& out) {
  if (Status s = t.get_string("store", out.store); !s.ok()) return s;
  if (out.store != "file" && out.store != "etcd") {
    return t.error("store", "unknown store '" + out.store + "' (use \"file\" or \"etcd\")");
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
  if (Status s = t.get_int("max_sequence_count", 1, std::int64_t{1} << 40, out.max_sequence_count);
      !s.ok()) {
    return s;
  }
  if (Status s = t.get_int("max_sequences", 1, 1'000'000, out.max_sequences); !s.ok()) return s;
  if (Status s = t.get_duration("busy_poll", out.busy_poll); !s.ok()) return s;
  if (out.busy_poll < Duration::zero() || out.busy_poll > milliseconds(10)) {
    return t.error("busy_poll", "must be between 0 (off) and 10ms");
  }
  std::string mode;
  if (Status s = t.get_string("socket_mode", mode); !s.ok()) return s;
  if (!mode.empty()) {
    Result<std::uint32_t> m = parse_socket_mode(mode);
    if (!m.ok()) return t.error("socket_mode", m.status().message());
    out.socket_mode = *m;
  }
  if (Status s = t.get_strings("etcd_endpoints", out.etcd_endpoints); !s.ok()) return s;
  if (out.etcd_endpoints.empty()) return t.error("etcd_endpoints", "needs at least one HOST:PORT");
  for (const std::string& ep : out.etcd_endpoints) {
    std::string_view hostport = ep;
    if (hostport.starts_with("http://")) hostport.remove_prefix(7);
    Result<tso::GrpcAddress> a = tso::parse_grpc_address(hostport, tso::GrpcAddressUse::kConnect);
    if (!a.ok() || a->is_unix()) {
      return t.error("etcd_endpoints", "'" + ep + "' is not HOST:PORT");
    }
  }
  if (Status s = t.get_string("etcd_prefix", out.etcd_prefix); !s.ok()) return s;
  if (out.etcd_prefix.empty() || out.etcd_prefix.back() != '/') {
    return t.error("etcd_prefix", "must end in '/'");
  }
  if (Status s = t.get_duration("etcd_lease_ttl", out.etcd_lease_ttl); !s.ok()) return s;
  if (out.etcd_lease_ttl < seconds(2) || out.etcd_lease_ttl > seconds(60)) {
    return t.error("etcd_lease_ttl", "must be between 2s (etcd's minimum) and 60s");
  }
  if (Status s = t.get_string("advertise", out.advertise); !s.ok()) return s;
  if (!out.advertise.empty()) {
    Result<tso::GrpcAddress> a =
        tso::parse_grpc_address(out.advertise, tso::GrpcAddressUse::kConnect);
    if (!a.ok()) return t.error("advertise", a.status().message());
  }
  return t.finish();
}

Result<std::uint32_t> parse_socket_mode(std::string_view text) {
  const bool digits = (text.size() == 3 || text.size() == 4) &&
                      text.find_first_not_of("01234567") == std::string_view::npos;
  std::uint32_t mode = 0;
  if (digits)
    for (char c : text) mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  if (!digits || mode > 0777) {
    return Status::InvalidArgument(
        "'" + std::string(text) + "' is not a permission mode: octal, at most 0777, e.g. \"0660\"");
  }
  return mode;
}

Status validate_grpc_listen(std::string_view listen) {
  if (listen == "off") return Status::Ok();
  return tso::parse_grpc_address(listen, tso::GrpcAddressUse::kListen).status();
}

}  // namespace kairos::daemon
