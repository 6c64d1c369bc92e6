#include "sync/sample.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace kairos::sync {

Duration precision_duration(std::int8_t log2) {
  const int p = std::clamp(static_cast<int>(log2), -32, 16);
  return from_seconds(std::ldexp(1.0, p));
}

Result<Sample> sample_from_exchange(const Exchange& x, const SampleParams& params) {
  const ServerInfo& s = x.server;
  if (x.t4 < x.t1)
    return Status::InvalidArgument("sample: t4 (client receive) precedes t1 (client send)");
  if (x.t3 < x.t2)
    return Status::InvalidArgument("sample: t3 (server transmit) precedes t2 (server receive)");
  if (s.stratum == 0 || s.stratum > 15) {
    return Status::InvalidArgument("sample: server stratum " + std::to_string(s.stratum) +
                                   " is not a synchronized server (want 1..15)");
  }
  if (s.leap == Leap::kUnknown) {
    return Status::InvalidArgument("sample: server reports leap alarm (unsynchronized)");
  }
  if (s.root_delay < Duration(0) || s.root_dispersion < Duration(0)) {
    return Status::InvalidArgument("sample: negative root delay or root dispersion");
  }
  Sample out;
  out.time = x.t4;
  const Duration out_leg = x.t2 - x.t1;
  const Duration back_leg = x.t3 - x.t4;
  out.offset = out_leg / 2 + back_leg / 2;
  const Duration wire = (x.t4 - x.t1) - (x.t3 - x.t2);
  const Duration round_trip = x.t4 - x.t1;
  out.dispersion = precision_duration(s.precision_log2) +
                   precision_duration(params.local_precision_log2) +
                   from_seconds(to_seconds(round_trip) * params.exchange_drift_ppm * 1e-6);
  if (wire < Duration(0)) {
    out.delay = Duration(0);
    out.dispersion += -wire;
  } else {
    out.delay = wire;
  }
  out.stratum = s.stratum;
  out.reference_id = s.reference_id;
  out.root_delay = s.root_delay;
  out.root_dispersion = s.root_dispersion;
  out.leap = s.leap;
  return out;
}

Result<Sample> sample_from_cristian(UnixTime t1, UnixTime server_time, UnixTime t4,
                                    const ServerInfo& server, const SampleParams& params) {
  return sample_from_exchange(Exchange{t1, server_time, server_time, t4, server}, params);
}

Sample sample_from_reference(UnixTime time, Duration offset, Duration error,
                             std::uint32_t reference_id) {
  Sample out;
  out.time = time;
  out.offset = offset;
  out.delay = Duration(0);
  out.dispersion = error < Duration(0) ? -error : error;
  out.stratum = 0;
  out.reference_id = reference_id;
  out.leap = Leap::kNone;
  return out;
}

}  // namespace kairos::sync
