#include "kairos/ntp_timestamp.h"

#include <cstdio>
#include <limits>

namespace kairos {
namespace {

constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kEraSeconds = std::int64_t{1} << 32;
// 2036-02-07T06:28:16Z: the era 0/1 boundary, as Unix seconds.
constexpr std::int64_t kEraBoundaryUnix = kEraSeconds - kNtpUnixEpochDelta;

// Floor division for negative numerators.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Nanoseconds (0..1e9-1) -> 32-bit fraction, rounded up so that the truncating inverse
// gives the same nanoseconds back.
constexpr std::uint32_t ns_to_fraction(std::int64_t ns) {
  const std::uint64_t num = static_cast<std::uint64_t>(ns) << 32;
  return static_cast<std::uint32_t>((num + kNsPerSec - 1) / kNsPerSec);
}
constexpr std::int64_t fraction_to_ns(std::uint32_t frac) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(frac) * kNsPerSec) >> 32);
}
static_assert(fraction_to_ns(ns_to_fraction(999'999'999)) == 999'999'999);
static_assert(fraction_to_ns(ns_to_fraction(1)) == 1);

}  // namespace

NtpTimestamp NtpTimestamp::from_unix(UnixTime t) {
  const std::int64_t ns = t.time_since_epoch().count();
  const std::int64_t secs = floor_div(ns, kNsPerSec);
  const std::int64_t sub = ns - secs * kNsPerSec;
  const auto ntp_secs = static_cast<std::uint32_t>(static_cast<std::uint64_t>(secs + kNtpUnixEpochDelta));
  return from_parts(ntp_secs, ns_to_fraction(sub));
}

UnixTime NtpTimestamp::to_unix(UnixTime pivot) const {
  // Unix seconds of this timestamp in era 0, then move by whole eras towards the pivot.
  const std::int64_t era0_secs = static_cast<std::int64_t>(seconds()) - kNtpUnixEpochDelta;
  const std::int64_t pivot_secs = floor_div(pivot.time_since_epoch().count(), kNsPerSec);
  // Choose k so that era0_secs + k * 2^32 lies in [pivot - 2^31, pivot + 2^31).
  const std::int64_t k = floor_div(pivot_secs - era0_secs + kEraSeconds / 2, kEraSeconds);
  const std::int64_t secs = era0_secs + k * kEraSeconds;
  return UnixTime(Duration(secs * kNsPerSec + fraction_to_ns(fraction())));
}

UnixTime NtpTimestamp::to_unix() const {
  return to_unix(UnixTime(std::chrono::seconds(kEraBoundaryUnix)));
}

NtpTimestamp NtpTimestamp::operator+(Duration d) const {
  // Duration -> signed 32.32 (floor), then wrapping add.
  const std::int64_t ns = d.count();
  const std::int64_t secs = floor_div(ns, kNsPerSec);
  const std::int64_t sub = ns - secs * kNsPerSec;
  // Nearest 2^-32 s, so that adding a duration and its negation cancel.
  const std::uint64_t frac = ((static_cast<std::uint64_t>(sub) << 32) + kNsPerSec / 2) / kNsPerSec;
  const std::uint64_t delta = (static_cast<std::uint64_t>(secs) << 32) + frac;
  return NtpTimestamp(raw_ + delta);
}

Duration operator-(NtpTimestamp a, NtpTimestamp b) {
  const auto diff = static_cast<std::int64_t>(a.raw_ - b.raw_);  // signed 32.32
  // diff * 1e9 / 2^32 without overflow: split seconds and fraction.
  const std::int64_t secs = diff >> 32;  // arithmetic shift: floor
  const auto frac = static_cast<std::uint64_t>(diff & 0xffffffff);
  // Nearest nanosecond (may be 1e9, which the sum absorbs).
  const auto frac_ns = static_cast<std::int64_t>((frac * kNsPerSec + (1ull << 31)) >> 32);
  return Duration(secs * kNsPerSec + frac_ns);
}

std::string NtpTimestamp::to_string() const {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08x.%08x", seconds(), fraction());
  return buf;
}

std::int64_t ntp_era(UnixTime t) {
  const std::int64_t secs = floor_div(t.time_since_epoch().count(), kNsPerSec);
  return floor_div(secs + kNtpUnixEpochDelta, kEraSeconds);
}

NtpShort NtpShort::from_duration(Duration d) {
  const std::int64_t ns = d.count();
  if (ns <= 0) return NtpShort(0);
  constexpr std::int64_t kMaxNs = (std::int64_t{65536} * kNsPerSec) - 1;
  if (ns >= kMaxNs) return NtpShort(0xffffffff);
  const auto num = static_cast<std::uint64_t>(ns) << 16;
  const std::uint64_t raw = (num + kNsPerSec - 1) / kNsPerSec;
  return NtpShort(raw > 0xffffffff ? 0xffffffff : static_cast<std::uint32_t>(raw));
}

Duration NtpShort::to_duration() const {
  return Duration(static_cast<std::int64_t>((static_cast<std::uint64_t>(raw_) * kNsPerSec) >> 16));
}

}  // namespace kairos
