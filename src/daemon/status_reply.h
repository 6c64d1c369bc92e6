// Reading back the daemon's /status JSON (docs/status-api.md), as `kairos status` and
// `kairos wait-sync` do. The body comes from the network: a fuzz target reads it too.
// Every field the CLI shows must be present with its type; an error names the first one
// that is not (the CLI says so and exits, instead of aborting on a JSON exception).
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/status_report.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::daemon {

// The NTP responder's counters (`ntp_server`).
struct NtpServerReply {
  std::string listen;
  std::uint64_t received = 0;
  std::uint64_t replied = 0;
  std::uint64_t kod_sent = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t send_errors = 0;
  std::vector<std::pair<std::string, std::uint64_t>> dropped;  // by reason, in key order
};

struct StatusReply {
  bool synchronized = false;
  std::string status;
  bool ready = false;
  Duration offset{0};
  Duration error_bound{0};
  double frequency_ppm = 0;
  int stratum = 0;
  std::string reference;
  Duration root_delay{0};
  Duration root_dispersion{0};
  std::int64_t poll_s = 0;
  std::vector<SourceReport> sources;         // last_error: empty when absent
  std::optional<NtpServerReply> ntp_server;  // nullopt: null (NTP serving off)
};

Result<StatusReply> parse_status_reply(std::string_view body);

}  // namespace kairos::daemon
