// Sample: one measurement of a source's clock against this node's SYSTEM clock.
//
// Built from the four timestamps of an NTP exchange (RFC 5905 §8):
//   t1  client transmit   (this node's system clock)
//   t2  server receive    (the server's clock)
//   t3  server transmit   (the server's clock)
//   t4  client receive    (this node's system clock)
// t1 and t4 are readings of the SYSTEM realtime clock (kernel socket timestamps mapped by
// Clock::from_system_realtime), never of the virtual clock: the engine measures the system
// clock and steers the virtual clock from outside the loop, so a sample does not depend on
// earlier corrections.
//
//   offset  = ((t2 − t1) + (t3 − t4)) / 2     reference − system (positive: system behind)
//   delay   = (t4 − t1) − (t3 − t2)           round trip on the wire, >= 0
// The true offset lies in [t3 − t4, t2 − t1] = offset ± delay/2 whenever both legs of the
// trip take non-negative time. Cristian's estimate is the special case t2 = t3 (the server
// returns one reading).
//
// dispersion covers what delay/2 does not: both clocks' precision and the drift of the
// local clock during the exchange. The sample's distance (correctness half-width, at the
// time it was taken) adds the server's own error to the server's root:
//   distance = (root_delay + delay)/2 + root_dispersion + dispersion
// so the reference time is within offset ± distance of system time at `time` provided the
// server's own bound (root_delay/2 + root_dispersion) was honest.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>

#include "kairos/clock_snapshot.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::sync {

// What the server says about itself (the header fields of its reply).
struct ServerInfo {
  std::uint8_t stratum = 16;         // 1..15 for a usable NTP server
  std::uint32_t reference_id = 0;    // the server's refid, as on the wire
  Duration root_delay{0};            // server to its primary source, >= 0
  Duration root_dispersion{0};       // server's error budget, >= 0
  Leap leap = Leap::kUnknown;        // kUnknown means the server is unsynchronized
  std::int8_t precision_log2 = -20;  // server clock precision, log2 seconds
};

struct Exchange {
  UnixTime t1;  // client transmit, system clock
  UnixTime t2;  // server receive, server clock
  UnixTime t3;  // server transmit, server clock
  UnixTime t4;  // client receive, system clock
  ServerInfo server;
};

// Local parameters a sample needs: this clock's precision and how fast its offset may
// change during one exchange (the engine passes max_drift + max_frequency).
struct SampleParams {
  std::int8_t local_precision_log2 = -20;
  double exchange_drift_ppm = 515.0;
};

struct Sample {
  UnixTime time{};                 // system clock when the sample was taken (t4)
  Duration offset{0};              // reference − system at `time`
  Duration delay{0};               // round-trip delay, >= 0
  Duration dispersion{0};          // precision and in-exchange drift, >= 0
  std::uint8_t stratum = 16;       // the server's stratum (0: a reference clock)
  std::uint32_t reference_id = 0;  // the server's refid
  Duration root_delay{0};
  Duration root_dispersion{0};
  Leap leap = Leap::kUnknown;

  // Correctness half-width at `time`: (root_delay + delay)/2 + root_dispersion + dispersion.
  Duration distance() const { return (root_delay + delay) / 2 + root_dispersion + dispersion; }
};

// The sample of one NTP exchange. Errors (InvalidArgument) name what was wrong: t4 before
// t1, t3 before t2, an unsynchronized server (stratum 0 or > 15, leap alarm), negative root
// values. A negative wire delay (clocks disagreeing within the exchange) is set to zero and
// its magnitude added to the dispersion, so the interval still covers [t3 − t4, t2 − t1].
Result<Sample> sample_from_exchange(const Exchange& exchange, const SampleParams& params);

// Cristian's estimate: one server reading `server_time` between send t1 and receive t4.
Result<Sample> sample_from_cristian(UnixTime t1, UnixTime server_time, UnixTime t4,
                                    const ServerInfo& server, const SampleParams& params);

// A reference clock (local clock, file mtime, refclock) read at system time `time`:
// reference − system = offset, known within ±error. Stratum 0 (we become stratum 1).
Sample sample_from_reference(UnixTime time, Duration offset, Duration error,
                             std::uint32_t reference_id);

// 2^log2 seconds as a Duration (log2 clamped to [-32, 16]).
Duration precision_duration(std::int8_t log2);

}  // namespace kairos::sync
