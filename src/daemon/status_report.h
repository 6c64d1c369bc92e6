// The daemon's status as JSON: what /status serves and `kairos status` shows, in the
// spirit of `chronyc tracking` + `chronyc sources`. Keys and units are documented in
// docs/status-api.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kairos/clock_snapshot.h"
#include "kairos/time.h"
#include "server/server_counters.h"

namespace kairos::daemon {

// One upstream source as the sync engine sees it.
struct SourceReport {
  std::string address;
  std::string state;  // selected, candidate, falseticker, unreachable
  Duration offset{0};
  Duration delay{0};
  Duration jitter{0};
  std::uint8_t reach = 0;  // NTP reach register: bit 0 = last poll answered
  std::uint8_t stratum = 0;
  std::string last_error;  // why the last poll gave nothing (or an alarm); empty if fine
};

// `system_now` is the (possibly shifted) system realtime the snapshot's line is read at;
// `ready` is what /readyz answers (serving downstream).
nlohmann::json status_json(const ClockSnapshot& snapshot, UnixTime system_now,
                           const std::vector<SourceReport>& sources, bool ready);

// The NTP responder's counters since start, for /status's `ntp_server` object: received,
// replied, kod_sent, rate_limited, send_errors and `dropped` by reason.
nlohmann::json ntp_server_json(const server::ServerCounters& counters, const std::string& listen);

}  // namespace kairos::daemon
