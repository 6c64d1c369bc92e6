// The NTP responder's reply builder: a pure function from a request datagram, its receive
// time and the node's clock snapshot to a 48-byte server-mode reply. No sockets, no clock
// reads: the caller passes every time in.
//
// What is answered (chrony's rules): versions 1–4 in client mode (3), and NTPv1's mode 0
// as a client request; the reply echoes the version, is mode 4, copies the request's
// transmit timestamp into origin, and is always 48 bytes (extension fields and MACs are
// not echoed), so a reply is never larger than its request. Dropped without a reply:
// anything shorter than 48 bytes or with a malformed extension-field chain, versions 0 and
// 5–7, control (6) and private (7) modes, and every other mode.
//
// Times: `rx_system` and `now_system` are readings on the Clock's realtime scale (kernel
// timestamps already mapped with Clock::from_system_realtime); the snapshot turns them into
// virtual time. An unsynchronized or stale snapshot is served as leap 3, stratum 16.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "kairos/clock_snapshot.h"
#include "kairos/ntp/packet.h"
#include "kairos/time.h"

namespace kairos::server {

enum class RequestVerdict : std::uint8_t {
  kReply = 0,
  kDropMalformed,  // too short, bad extension fields, truncated by the socket
  kDropVersion,    // version 0 or 5..7
  kDropControl,    // mode 6 or 7 (ntpq/ntpdc)
  kDropMode,       // any other mode that is not a client request
};
inline constexpr int kVerdictCount = 5;
std::string_view verdict_name(RequestVerdict v);

// Classifies `request` and, for kReply, writes the reply into `out`, with transmit time
// `now_system` (stamp_transmit() may restamp it just before sending).
RequestVerdict build_reply(std::span<const std::uint8_t> request, UnixTime rx_system,
                           const ClockSnapshot& snapshot, UnixTime now_system,
                           std::span<std::uint8_t, ntp::kHeaderSize> out);

// Overwrites the transmit timestamp of a reply built by build_reply with the snapshot's
// virtual time at `now_system` (never earlier than the reply's receive timestamp), and
// the root dispersion as of then.
void stamp_transmit(std::span<std::uint8_t, ntp::kHeaderSize> reply, const ClockSnapshot& snapshot,
                    UnixTime now_system);

// A Kiss-o'-Death reply to a valid client request: leap 3, stratum 0, the code as refid,
// origin = the request's transmit, receive and transmit = the request's transmit too (so
// the reply tells no time), version echoed, the request's poll or 6 if larger. 48 bytes.
void build_kiss_reply(std::span<const std::uint8_t> request, std::uint32_t kiss_code,
                      std::span<std::uint8_t, ntp::kHeaderSize> out);

}  // namespace kairos::server
