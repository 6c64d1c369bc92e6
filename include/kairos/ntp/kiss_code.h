// Kiss-o'-Death (RFC 5905 §7.4) and reference IDs as text.
//
// A server that wants a client to back off replies with stratum 0, leap 3 and a
// four-ASCII-character code in the reference ID ("RATE", "DENY", "RSTR", ...). For
// stratum 1 the reference ID names the clock source in ASCII ("GPS", "PPS", "LOCL"); for
// stratum 2 and up it is the upstream server's IPv4 address (or a hash of an IPv6 one).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "kairos/clock_snapshot.h"
#include "kairos/ntp/packet.h"

namespace kairos::ntp {

inline constexpr std::uint32_t kKissRate = refid_from_ascii("RATE");  // reduce your rate
inline constexpr std::uint32_t kKissDeny = refid_from_ascii("DENY");  // access denied
inline constexpr std::uint32_t kKissRestrict = refid_from_ascii("RSTR");
inline constexpr std::uint32_t kKissInit = refid_from_ascii("INIT");  // not yet synchronized

// True for a Kiss-o'-Death packet: a server-mode reply with stratum 0.
inline bool is_kiss_of_death(const NtpPacket& p) {
  return p.stratum == 0 && (p.mode == Mode::kServer || p.mode == Mode::kSymmetricPassive);
}

// The reference ID as text: ASCII (trailing NULs dropped, non-printables as '.') for
// stratum 0 and 1, dotted IPv4 otherwise.
std::string refid_to_string(std::uint32_t reference_id, std::uint8_t stratum);

}  // namespace kairos::ntp
