#include "kairos/ntp/on_wire.h"

#include <string>

#include "kairos/ntp/kiss_code.h"

namespace kairos::ntp {

Result<OnWireSample> evaluate_reply(std::span<const std::uint8_t> reply_bytes, NtpTimestamp t1,
                                    NtpTimestamp t4) {
  Result<DecodedPacket> decoded = decode_packet(reply_bytes);
  if (!decoded.ok()) return decoded.status().WithContext("bad reply");
  const NtpPacket& r = decoded->header;
  if (r.mode != Mode::kServer) {
    return Status::InvalidArgument("bad reply: mode " + std::to_string(static_cast<int>(r.mode)) +
                                   ", want 4 (server)");
  }
  if (r.origin_time != t1) {
    return Status::InvalidArgument("bad reply: origin timestamp " + r.origin_time.to_string() +
                                   " does not match our transmit timestamp " + t1.to_string());
  }
  if (is_kiss_of_death(r)) {
    return Status::FailedPrecondition("kiss-o'-death " + refid_to_string(r.reference_id, 0) +
                                      " from server");
  }
  if (r.leap == LeapIndicator::kAlarm || r.stratum >= 16) {
    return Status::FailedPrecondition("server is not synchronized (leap " +
                                      std::to_string(static_cast<int>(r.leap)) + ", stratum " +
                                      std::to_string(r.stratum) + ")");
  }
  if (r.receive_time.is_zero() || r.transmit_time.is_zero()) {
    return Status::InvalidArgument("bad reply: zero receive or transmit timestamp");
  }
  const Duration server_time = r.transmit_time - r.receive_time;
  if (server_time < Duration(0)) {
    return Status::InvalidArgument("bad reply: server transmit timestamp precedes its receive");
  }
  OnWireSample s;
  s.reply = r;
  s.offset = ((r.receive_time - t1) + (r.transmit_time - t4)) / 2;
  s.delay = (t4 - t1) - server_time;
  if (s.delay < Duration(0)) s.delay = Duration(0);
  return s;
}

}  // namespace kairos::ntp
