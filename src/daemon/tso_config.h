// The `[tso]` section of the daemon's config (timestamp oracle and sequencer) and the
// top-level `grpc_listen` address check. docs/config.md lists every key.
//
// Thread safety: plain values, read once at start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config_reader.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::daemon {

struct TsoConfig {
  std::string store = "file";                   // "file": tso.hwm in state_dir; "etcd": HA
  Duration window = seconds(3);                 // timestamps persisted ahead of the clock
  Duration panic_threshold = seconds(10);       // refuse if the clock is this far behind
  std::int64_t max_timestamp_count = 1 << 18;   // timestamps per request
  std::int64_t sequence_block = 1'000'000;      // sequence numbers persisted ahead
  std::int64_t max_sequence_count = 1'000'000;  // sequence numbers per request
  std::int64_t max_sequences = 10'000;          // distinct sequence names
  Duration busy_poll = microseconds(50);        // oracle thread polls this long before sleeping
  // grpc_listen = "unix:PATH": the socket file's permission bits (0..0777, written in
  // octal as "0660"); unset: what the daemon's umask gives.
  std::optional<std::uint32_t> socket_mode;
  // store = "etcd" (high availability):
  std::vector<std::string> etcd_endpoints = {"127.0.0.1:2379"};  // HOST:PORT of members
  std::string etcd_prefix = "/kairos/tso/";  // leader key and marks live under it
  Duration etcd_lease_ttl = seconds(2);      // leader lease; failover takes about this
  std::string advertise;  // HOST:PORT or unix:PATH clients reach us at ("": grpc_listen)
};

// Reads the [tso] table (may be absent) into `out`, checking ranges.
Status parse_tso_config(ConfigTable& tso, TsoConfig& out);

// A permission mode in octal: 3 or 4 digits 0-7, at most 0777 ("0660", "640").
Result<std::uint32_t> parse_socket_mode(std::string_view text);

// "off", HOST:PORT with a port in 0..65535 ("[::1]:11190" for IPv6), or unix:PATH.
Status validate_grpc_listen(std::string_view listen);

}  // namespace kairos::daemon
