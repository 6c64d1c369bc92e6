// ClockSnapshot: everything a reader needs to tell the node's disciplined time, as of the
// last clock update. The control loop publishes a new one after every update (and when
// sources come or go); the NTP responder, the shared-memory segment, the HTTP status and
// the TSO read it without locks (see Seqlock).
//
// The virtual clock is a line through the reference point:
//   virtual(t) = t + offset + frequency_ppm·1e-6·(t − system_ref)
// where t is a reading of the system realtime clock. Its error bound grows linearly:
//   error_bound(t) = error_bound + max_drift_ppm·1e-6·(t − system_ref)
// `offset` follows the project's sign: positive means the system clock is behind and the
// virtual clock is ahead of it.
//
// Thread safety: a plain trivially copyable value.
#pragma once

#include <cstdint>
#include <string>

#include "kairos/ntp_timestamp.h"
#include "kairos/time.h"

namespace kairos {

enum class SyncStatus : std::uint8_t {
  kUnsynchronized = 0,  // never synced (or refused): time is the system clock's, bound unknown
  kSynchronized = 1,    // a source was selected recently; bound is honest
  kFreeRunning = 2,     // was synced, sources are gone: the bound keeps growing
  kStale = 3,           // the publisher stopped updating (readers decide this by heartbeat)
};

enum class Leap : std::uint8_t {
  kNone = 0,
  kInsertSecond = 1,  // the last minute of the current UTC day has 61 seconds
  kDeleteSecond = 2,  // ... 59 seconds
  kUnknown = 3,       // alarm: not synchronized (NTP's leap = 3)
};

struct ClockSnapshot {
  // Reference point: the system realtime clock at the last update.
  UnixTime system_ref{};
  // Virtual − system at system_ref.
  Duration offset{0};
  // Rate of the virtual clock relative to the system clock, in ppm (positive: faster).
  double frequency_ppm = 0.0;
  // Bound on |virtual − true time| at system_ref (includes root delay/2 + dispersion).
  Duration error_bound{0};
  // How fast the bound grows after system_ref, in ppm of elapsed time (>= 0).
  double max_drift_ppm = 15.0;
  // NTP reference data served downstream.
  std::uint8_t stratum = 16;          // 16 = unsynchronized
  std::uint32_t reference_id = 0;     // refid as on the wire (IPv4 address or 4 ASCII chars)
  Duration root_delay{0};             // to the primary source
  Duration root_dispersion{0};        // to the primary source, at system_ref
  NtpTimestamp reference_time{};      // when the clock was last set or corrected (virtual)
  std::int8_t poll_log2 = 6;          // current poll interval, log2 seconds
  std::int8_t precision_log2 = -20;   // clock precision, log2 seconds
  Leap leap = Leap::kUnknown;
  SyncStatus status = SyncStatus::kUnsynchronized;

  // The virtual clock at system reading t.
  UnixTime virtual_time(UnixTime t) const {
    const Duration since = t - system_ref;
    return t + offset + from_seconds(to_seconds(since) * frequency_ppm * 1e-6);
  }
  // The error bound at system reading t (never below error_bound; a clock that stepped
  // back does not shrink it).
  Duration error_bound_at(UnixTime t) const {
    const Duration since = t > system_ref ? t - system_ref : Duration(0);
    return error_bound + from_seconds(to_seconds(since) * max_drift_ppm * 1e-6);
  }
  // Root dispersion as served at system reading t: grows like the bound.
  Duration root_dispersion_at(UnixTime t) const {
    const Duration since = t > system_ref ? t - system_ref : Duration(0);
    return root_dispersion + from_seconds(to_seconds(since) * max_drift_ppm * 1e-6);
  }
};

// A snapshot for a node that serves its own system clock at `stratum` (the local clock
// as reference, as ntpd's LOCAL driver and chrony's `local stratum N`): offset zero,
// refid "LOCL", synchronized, bound = the clock's precision.
ClockSnapshot local_clock_snapshot(UnixTime now, std::uint8_t stratum);

// Four ASCII characters as a refid ("LOCL", "GPS", "RATE"), big-endian on the wire.
constexpr std::uint32_t refid_from_ascii(const char (&s)[5]) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[3]));
}

// The refid as text: four ASCII characters at stratum 0–1 ("LOCL", "GPS"), a dotted IPv4
// address above (RFC 5905 §7.3).
std::string reference_id_text(std::uint32_t reference_id, std::uint8_t stratum);

// "unsynchronized", "synchronized", "free-running", "stale".
const char* sync_status_name(SyncStatus status);

}  // namespace kairos
