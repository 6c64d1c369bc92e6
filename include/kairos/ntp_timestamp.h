// NTP time formats (RFC 5905 §6), and their conversion to and from UnixTime.
//
// NtpTimestamp: 64-bit unsigned fixed point, 32 bits of seconds since 1900-01-01T00:00:00Z
// and 32 bits of fraction (resolution 2^-32 s ≈ 233 ps). The seconds wrap every 2^32 s
// (136 years): era 0 ends at 2036-02-07T06:28:16Z, where era 1 begins. A timestamp
// alone does not say its era; conversion to UnixTime takes a pivot and picks the instant
// within ±2^31 s (68 years) of it. The default pivot is the era boundary itself, which
// gives RFC 4330's rule (seconds with the top bit set are era 0, 1968–2036; clear are
// era 1, 2036–2104).
// Rounding: UnixTime → NtpTimestamp rounds the fraction up, NtpTimestamp → UnixTime
// truncates (towards negative infinity), so a UnixTime survives the round trip exactly.
// Leap seconds: like POSIX time, NTP timestamps do not count them.
//
// NtpShort: 32-bit unsigned 16.16 seconds, for root delay and root dispersion. Conversion
// from a Duration saturates to [0, 65535.99998 s] and rounds up (an error bound is never
// made smaller by its encoding).
//
// Differences of two NtpTimestamps are signed and era-independent as long as the two
// instants are less than 68 years apart (RFC 5905's on-wire arithmetic).
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "kairos/time.h"

namespace kairos {

// Seconds from 1900-01-01 (NTP era 0 start) to 1970-01-01 (Unix epoch).
inline constexpr std::int64_t kNtpUnixEpochDelta = 2'208'988'800;

class NtpTimestamp {
 public:
  constexpr NtpTimestamp() = default;
  static constexpr NtpTimestamp from_raw(std::uint64_t raw) { return NtpTimestamp(raw); }
  static constexpr NtpTimestamp from_parts(std::uint32_t secs, std::uint32_t frac) {
    return NtpTimestamp((static_cast<std::uint64_t>(secs) << 32) | frac);
  }
  // The era is dropped (seconds modulo 2^32).
  static NtpTimestamp from_unix(UnixTime t);

  // The instant this timestamp names in the era that puts it nearest to `pivot`.
  UnixTime to_unix(UnixTime pivot) const;
  // RFC 4330's rule: 1968-01-20 .. 2104-02-26.
  UnixTime to_unix() const;

  constexpr std::uint64_t raw() const { return raw_; }
  constexpr std::uint32_t seconds() const { return static_cast<std::uint32_t>(raw_ >> 32); }
  constexpr std::uint32_t fraction() const { return static_cast<std::uint32_t>(raw_); }
  constexpr bool is_zero() const { return raw_ == 0; }

  // Wrapping arithmetic on the 32.32 value; the duration is rounded to the nearest 2^-32 s.
  NtpTimestamp operator+(Duration d) const;
  NtpTimestamp operator-(Duration d) const { return *this + (-d); }
  // a - b as a signed duration, rounded to the nearest nanosecond; correct while
  // |a - b| < 2^31 s.
  friend Duration operator-(NtpTimestamp a, NtpTimestamp b);

  friend constexpr bool operator==(NtpTimestamp, NtpTimestamp) = default;

  // "e7a1b2c3.1fbe76c8": seconds and fraction in hex, for logs and tests.
  std::string to_string() const;

 private:
  constexpr explicit NtpTimestamp(std::uint64_t raw) : raw_(raw) {}
  std::uint64_t raw_ = 0;
};

// NTP era of a UnixTime: 0 for 1900–2036, 1 for 2036–2172, negative before 1900.
std::int64_t ntp_era(UnixTime t);

class NtpShort {
 public:
  constexpr NtpShort() = default;
  static constexpr NtpShort from_raw(std::uint32_t raw) { return NtpShort(raw); }
  // Saturating, rounding up.
  static NtpShort from_duration(Duration d);
  Duration to_duration() const;
  constexpr std::uint32_t raw() const { return raw_; }
  friend constexpr bool operator==(NtpShort, NtpShort) = default;

 private:
  constexpr explicit NtpShort(std::uint32_t raw) : raw_(raw) {}
  std::uint32_t raw_ = 0;
};

}  // namespace kairos
