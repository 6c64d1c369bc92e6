#include "daemon/status_report.h"

namespace kairos::daemon {

nlohmann::json status_json(const ClockSnapshot& s, UnixTime system_now,
                           const std::vector<SourceReport>& sources, bool ready) {
  const UnixTime virtual_now = s.virtual_time(system_now);
  nlohmann::json j;
  j["synchronized"] = s.status == SyncStatus::kSynchronized;
  j["status"] = sync_status_name(s.status);
  j["ready"] = ready;
  j["offset_ns"] = (virtual_now - system_now).count();
  j["error_bound_ns"] = s.error_bound_at(system_now).count();
  j["frequency_ppm"] = s.frequency_ppm;
  j["max_drift_ppm"] = s.max_drift_ppm;
  j["stratum"] = s.stratum;
  j["reference"] = reference_id_text(s.reference_id, s.stratum);
  j["leap"] = static_cast<int>(s.leap);
  j["root_delay_ns"] = s.root_delay.count();
  j["root_dispersion_ns"] = s.root_dispersion_at(system_now).count();
  j["poll_s"] = s.poll_log2 >= 0 ? (1LL << s.poll_log2) : 0;
  j["time_ns"] = virtual_now.time_since_epoch().count();
  j["last_update_ns"] = s.system_ref.time_since_epoch().count();
  nlohmann::json list = nlohmann::json::array();
  for (const SourceReport& src : sources) {
    list.push_back({{"address", src.address},
                    {"state", src.state},
                    {"stratum", src.stratum},
                    {"offset_ns", src.offset.count()},
                    {"delay_ns", src.delay.count()},
                    {"jitter_ns", src.jitter.count()},
                    {"reach", src.reach},
                    {"last_error", src.last_error}});
  }
  j["sources"] = std::move(list);
  return j;
}

nlohmann::json ntp_server_json(const server::ServerCounters& c, const std::string& listen) {
  nlohmann::json dropped;
  for (int i = 0; i < server::kVerdictCount; ++i) {
    const auto v = static_cast<server::RequestVerdict>(i);
    dropped[std::string(server::drop_reason_name(v))] = c.dropped[i];
  }
  return {{"listen", listen},           {"received", c.received},
          {"replied", c.replied},       {"kod_sent", c.kod_sent},
          {"rate_limited", c.rate_limited}, {"send_errors", c.send_errors},
          {"dropped", std::move(dropped)}};
}

}  // namespace kairos::daemon
