#include "server/reply_builder.h"

#include <algorithm>
#include <cstring>

#include "ntp/wire_bytes.h"

namespace kairos::server {
namespace {

using ntp::get64;
using ntp::put32;
using ntp::put64;

constexpr std::size_t kReceiveOffset = 32;
constexpr std::size_t kTransmitOffset = 40;
constexpr std::size_t kRootDispersionOffset = 8;

bool unsynchronized(const ClockSnapshot& s) {
  return s.status == SyncStatus::kUnsynchronized || s.status == SyncStatus::kStale ||
         s.leap == Leap::kUnknown || s.stratum == 0 || s.stratum >= 16;
}

}  // namespace

std::string_view verdict_name(RequestVerdict v) {
  switch (v) {
    case RequestVerdict::kReply:
      return "reply";
    case RequestVerdict::kDropMalformed:
      return "malformed";
    case RequestVerdict::kDropVersion:
      return "version";
    case RequestVerdict::kDropControl:
      return "control_mode";
    case RequestVerdict::kDropMode:
      return "mode";
  }
  return "unknown";
}

RequestVerdict build_reply(std::span<const std::uint8_t> request, UnixTime rx_system,
                           const ClockSnapshot& snapshot, UnixTime now_system,
                           std::span<std::uint8_t, ntp::kHeaderSize> out) {
  Result<ntp::DecodedPacket> decoded = ntp::decode_packet(request);
  if (!decoded.ok()) return RequestVerdict::kDropMalformed;
  const ntp::NtpPacket& req = decoded->header;
  if (req.version < 1 || req.version > 4) return RequestVerdict::kDropVersion;
  const bool v1_client = req.version == 1 && req.mode == ntp::Mode::kReserved;
  if (req.mode == ntp::Mode::kControl || req.mode == ntp::Mode::kPrivate) {
    return RequestVerdict::kDropControl;
  }
  if (req.mode != ntp::Mode::kClient && !v1_client) return RequestVerdict::kDropMode;

  ntp::NtpPacket r;
  r.version = req.version;
  r.mode = ntp::Mode::kServer;
  r.poll_log2 = req.poll_log2;
  r.precision_log2 = snapshot.precision_log2;
  if (unsynchronized(snapshot)) {
    r.leap = ntp::LeapIndicator::kAlarm;
    r.stratum = 16;
  } else {
    r.leap = static_cast<ntp::LeapIndicator>(static_cast<std::uint8_t>(snapshot.leap) & 3);
    r.stratum = snapshot.stratum;
  }
  r.root_delay = NtpShort::from_duration(snapshot.root_delay);
  r.root_dispersion = NtpShort::from_duration(snapshot.root_dispersion_at(now_system));
  r.reference_id = snapshot.reference_id;
  r.reference_time = snapshot.reference_time;
  r.origin_time = req.transmit_time;
  r.receive_time = NtpTimestamp::from_unix(snapshot.virtual_time(rx_system));
  r.transmit_time = NtpTimestamp::from_unix(snapshot.virtual_time(std::max(now_system, rx_system)));
  ntp::encode_header(r, out);
  return RequestVerdict::kReply;
}

void stamp_transmit(std::span<std::uint8_t, ntp::kHeaderSize> reply, const ClockSnapshot& snapshot,
                    UnixTime now_system) {
  const NtpTimestamp rx = NtpTimestamp::from_raw(get64(reply.data() + kReceiveOffset));
  NtpTimestamp tx = NtpTimestamp::from_unix(snapshot.virtual_time(now_system));
  if (tx - rx < Duration(0)) tx = rx;
  put64(reply.data() + kTransmitOffset, tx.raw());
  put32(reply.data() + kRootDispersionOffset,
        NtpShort::from_duration(snapshot.root_dispersion_at(now_system)).raw());
}

void build_kiss_reply(std::span<const std::uint8_t> request, std::uint32_t kiss_code,
                      std::span<std::uint8_t, ntp::kHeaderSize> out) {
  ntp::NtpPacket r;
  r.leap = ntp::LeapIndicator::kAlarm;
  r.version = ntp::peek_version(request);
  r.mode = ntp::Mode::kServer;
  r.stratum = 0;
  r.reference_id = kiss_code;
  if (request.size() >= ntp::kHeaderSize) {
    const auto poll = static_cast<std::int8_t>(request[2]);
    r.poll_log2 = std::max<std::int8_t>(poll, 6);
    const NtpTimestamp client_tx = NtpTimestamp::from_raw(get64(request.data() + kTransmitOffset));
    r.origin_time = client_tx;
    r.receive_time = client_tx;
    r.transmit_time = client_tx;
  }
  ntp::encode_header(r, out);
}

}  // namespace kairos::server
