// The four-timestamp on-wire calculation (RFC 5905 §8) and checks on a server's reply,
// for clients (`kairos query`, the NTP source).
//
//   offset = ((T2 − T1) + (T3 − T4)) / 2    delay = (T4 − T1) − (T3 − T2)
// T1: request transmit (client clock), T2: server receive, T3: server transmit, T4: reply
// receive (client clock). `offset` follows the project's sign: positive means the client's
// clock is behind the server's. Differences are era-independent (see NtpTimestamp).
//
// Thread safety: pure functions.
#pragma once

#include <span>

#include "kairos/ntp/packet.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::ntp {

struct OnWireSample {
  Duration offset{0};
  Duration delay{0};  // round trip less the server's processing time; never negative
  NtpPacket reply;
};

// Validates a reply to the request whose transmit timestamp was `t1`, received at `t4`
// (client clock), and computes offset and delay. Errors (InvalidArgument unless noted):
// undecodable bytes; wrong mode; origin timestamp not equal to t1 (bogus or stale reply);
// Kiss-o'-Death (FailedPrecondition, message names the code, e.g. "kiss-o'-death RATE");
// unsynchronized server (leap 3 or stratum 16; FailedPrecondition); zero receive or transmit
// timestamps; transmit before receive.
Result<OnWireSample> evaluate_reply(std::span<const std::uint8_t> reply_bytes, NtpTimestamp t1,
                                    NtpTimestamp t4);

}  // namespace kairos::ntp
