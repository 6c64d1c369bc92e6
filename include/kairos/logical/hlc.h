// Hybrid logical clocks (Kulkarni, Demirbas, Madappa, Avva, Leone 2014, "Logical Physical
// Clocks and Consistent Snapshots in Globally Distributed Databases").
//
// HlcTimestamp: 64 bits, the upper 48 physical milliseconds since the Unix epoch
// (1970-01-01T00:00:00Z, POSIX scale, leap seconds not counted; range to year 10889), the
// lower 16 a logical counter. Packed so that comparing the integers compares the stamps.
// Physical time is passed in (kairos::UnixTime, truncated to ms; times before 1970 count
// as 0); the clock never reads a clock itself.
//
// HybridLogicalClock: now(pt) stamps a local or send event, update(remote, pt) a receive
// event, both as in the paper: l = max(l, l_remote, pt), c counts events within one l.
// The stamp's physical part stays within max_offset of the largest pt seen (paper,
// Theorem 2: l - pt <= ε). A remote stamp whose physical part is more than max_offset ahead
// of pt is rejected with OutOfRange and the clock is unchanged (as CockroachDB does): it is
// never silently adopted. Logical overflow (65536 events in one millisecond) carries into
// the physical part: the stamp runs at most 1 ms per 65536 events ahead of pt, and stays
// strictly increasing.
//
// AtomicHybridLogicalClock: the same clock shared between threads, lock-free (one CAS).
//
// PersistedHybridLogicalClock: CockroachDB's wallTimeUpperBound. It never issues a stamp
// whose physical part reaches the upper bound the caller has made durable; after a restart
// it is built from that bound, so even if the wall clock went backwards it never reissues
// or goes below a stamp issued before the crash.
//
// Text: "PHYSICAL_MS:LOGICAL" in decimal ("1700000000123:7"); binary: 8 bytes big-endian
// of the packed value.
//
// Thread safety: HlcTimestamp, HybridLogicalClock and PersistedHybridLogicalClock are
// plain values (one thread, or a lock); AtomicHybridLogicalClock is safe from any thread.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kairos/logical/order.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::logical {

class HlcTimestamp {
 public:
  static constexpr std::uint64_t kMaxPhysicalMs = (std::uint64_t{1} << 48) - 1;
  static constexpr std::uint32_t kMaxLogical = 0xffff;

  constexpr HlcTimestamp() = default;
  static constexpr HlcTimestamp from_packed(std::uint64_t packed) { return HlcTimestamp(packed); }
  // Precondition: physical_ms <= kMaxPhysicalMs, logical <= kMaxLogical.
  static constexpr HlcTimestamp from_parts(std::uint64_t physical_ms, std::uint32_t logical) {
    return HlcTimestamp((physical_ms << 16) | logical);
  }

  constexpr std::uint64_t packed() const { return packed_; }
  constexpr std::uint64_t physical_ms() const { return packed_ >> 16; }
  constexpr std::uint32_t logical() const { return static_cast<std::uint32_t>(packed_ & 0xffff); }
  UnixTime physical_time() const { return UnixTime(milliseconds(physical_ms())); }

  std::array<std::uint8_t, 8> encode() const;
  static Result<HlcTimestamp> decode(std::span<const std::uint8_t> bytes);
  std::string to_string() const;
  static Result<HlcTimestamp> parse(std::string_view text);

  friend constexpr auto operator<=>(const HlcTimestamp&, const HlcTimestamp&) = default;

 private:
  constexpr explicit HlcTimestamp(std::uint64_t packed) : packed_(packed) {}
  std::uint64_t packed_ = 0;
};

inline constexpr Order compare(HlcTimestamp a, HlcTimestamp b) { return OrderOf(a, b); }

namespace hlc {

// pt in whole milliseconds, clamped to [0, kMaxPhysicalMs].
inline std::uint64_t to_ms(UnixTime pt) {
  const std::int64_t ns = pt.time_since_epoch().count();
  if (ns <= 0) return 0;
  return std::min(static_cast<std::uint64_t>(ns) / 1'000'000, HlcTimestamp::kMaxPhysicalMs);
}

// The stamp after `last` at physical time pt_ms: (pt, 0) if pt is ahead, else last + 1
// (the logical part carrying into the physical part on overflow). Saturates at the end of
// the range.
inline std::uint64_t next(std::uint64_t last, std::uint64_t pt_ms) {
  const std::uint64_t bumped = last + (last != UINT64_MAX);
  return std::max(pt_ms << 16, bumped);
}

// The remote check shared by the clocks: OK or OutOfRange naming the offending stamp.
Status check_remote(HlcTimestamp remote, std::uint64_t pt_ms, Duration max_offset);

}  // namespace hlc

class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(Duration max_offset = milliseconds(500), HlcTimestamp last = {})
      : max_offset_(max_offset), last_(last.packed()) {}

  // A local or send event at physical time pt.
  HlcTimestamp now(UnixTime pt) {
    last_ = hlc::next(last_, hlc::to_ms(pt));
    return HlcTimestamp::from_packed(last_);
  }
  // A receive event: OutOfRange (clock unchanged) if remote is more than max_offset ahead
  // of pt.
  Result<HlcTimestamp> update(HlcTimestamp remote, UnixTime pt);

  HlcTimestamp last() const { return HlcTimestamp::from_packed(last_); }
  Duration max_offset() const { return max_offset_; }

 private:
  Duration max_offset_;
  std::uint64_t last_;
};

class AtomicHybridLogicalClock {
 public:
  explicit AtomicHybridLogicalClock(Duration max_offset = milliseconds(500),
                                    HlcTimestamp last = {})
      : max_offset_(max_offset), last_(last.packed()) {}

  HlcTimestamp now(UnixTime pt) {
    const std::uint64_t pt_ms = hlc::to_ms(pt);
    std::uint64_t cur = last_.load(std::memory_order_relaxed);
    std::uint64_t next;
    do {
      next = hlc::next(cur, pt_ms);
    } while (!last_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    return HlcTimestamp::from_packed(next);
  }
  Result<HlcTimestamp> update(HlcTimestamp remote, UnixTime pt);
  HlcTimestamp last() const { return HlcTimestamp::from_packed(last_.load()); }

 private:
  Duration max_offset_;
  std::atomic<std::uint64_t> last_;
};

class PersistedHybridLogicalClock {
 public:
  // `persisted_upper_bound_ms`: the last bound made durable before this start (0 on the
  // very first start). Every stamp issued before has a physical part below it, so the
  // clock starts at (bound, 0) and nothing can be reissued.
  PersistedHybridLogicalClock(Duration max_offset, std::uint64_t persisted_upper_bound_ms);

  // The bound to persist now: (max of pt and the last stamp's physical part) + lead.
  std::uint64_t proposed_upper_bound_ms(UnixTime pt, Duration lead) const;
  // Call once `ms` is durable; a bound lower than the current one is ignored.
  void upper_bound_persisted(std::uint64_t ms) { upper_bound_ms_ = std::max(upper_bound_ms_, ms); }
  std::uint64_t upper_bound_ms() const { return upper_bound_ms_; }

  // As HybridLogicalClock, but FailedPrecondition (clock unchanged) when the stamp's
  // physical part would reach the persisted bound: persist a higher bound first.
  Result<HlcTimestamp> now(UnixTime pt);
  Result<HlcTimestamp> update(HlcTimestamp remote, UnixTime pt);
  HlcTimestamp last() const { return HlcTimestamp::from_packed(last_); }

 private:
  Result<HlcTimestamp> commit(std::uint64_t candidate);
  Duration max_offset_;
  std::uint64_t last_;
  std::uint64_t upper_bound_ms_;
};

}  // namespace kairos::logical
