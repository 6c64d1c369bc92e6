// Hybrid timestamps as served by the timestamp oracle (TSO): one uint64 that orders events
// across every client of one oracle (or one HA cluster of oracles).
//
// Layout (version 1, the one TiDB PD uses): physical milliseconds since the Unix epoch in
// the upper 46 bits (range 1970 + 2^46 ms ≈ year 4199), a logical counter in the lower 18
// bits (262,144 values per millisecond). Integer order is time order. Clients should treat
// values as opaque and totally ordered (DESIGN.md, "Opaque identifiers"); the split below
// is for display and diagnostics. The physical part is never behind the serving node's
// clock when issued, and may run ahead of it by at most the oracle's window.
//
// Thread safety: pure functions on plain values.
#pragma once

#include <cstdint>

#include "kairos/time.h"

namespace kairos {

inline constexpr int kHybridLogicalBits = 18;
inline constexpr int kHybridPhysicalBits = 46;
inline constexpr std::uint64_t kHybridLogicalLimit = std::uint64_t{1} << kHybridLogicalBits;
inline constexpr std::uint64_t kHybridPhysicalLimit = std::uint64_t{1} << kHybridPhysicalBits;

// Precondition: physical_ms < kHybridPhysicalLimit, logical < kHybridLogicalLimit.
constexpr std::uint64_t make_hybrid_timestamp(std::uint64_t physical_ms, std::uint64_t logical) {
  return (physical_ms << kHybridLogicalBits) | logical;
}
constexpr std::uint64_t hybrid_physical_ms(std::uint64_t ts) { return ts >> kHybridLogicalBits; }
constexpr std::uint64_t hybrid_logical(std::uint64_t ts) { return ts & (kHybridLogicalLimit - 1); }
// The physical part as a point in Unix time (millisecond resolution).
constexpr UnixTime hybrid_physical_time(std::uint64_t ts) {
  return UnixTime(milliseconds(static_cast<std::int64_t>(hybrid_physical_ms(ts))));
}

}  // namespace kairos
