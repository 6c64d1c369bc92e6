// Time types shared by every module.
//
// Units are in the type, never in a bare integer or double:
// - Duration: signed nanoseconds in an int64 (range ±292 years, resolution 1 ns).
// - UnixTime: a point on the realtime (UTC, POSIX) scale, nanoseconds since
//   1970-01-01T00:00:00Z. Leap seconds are not counted (POSIX time): a leap second
//   repeats or skips a second as the kernel does.
// - MonoTime: a point on the monotonic scale (CLOCK_MONOTONIC), for timers and intervals;
//   its epoch is arbitrary (boot) and it never steps.
// Sign convention for offsets, once for the whole project: an offset is
// `reference - local`; a positive offset means the local clock is BEHIND the reference
// and must be advanced.
//
// Conversions to and from text live here too (parse_duration / format_duration).
//
// Thread safety: all types are plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos {

using Duration = std::chrono::nanoseconds;
using UnixTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;
using MonoTime = std::chrono::time_point<std::chrono::steady_clock, std::chrono::nanoseconds>;

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Nanoseconds of a duration as a double of seconds, for statistics and display only.
constexpr double to_seconds(Duration d) { return static_cast<double>(d.count()) * 1e-9; }

// A double of seconds to a Duration, rounding to the nearest nanosecond and saturating at
// the int64 limits (NaN gives zero).
Duration from_seconds(double s);

// Parses "250ms", "1.5s", "-3us", "100ns", "2m", "1h", "0". Units: ns, us (or µs), ms, s,
// m, h. A unit is required for anything but zero. Errors name what was wrong.
Result<Duration> parse_duration(std::string_view text);

// Formats with the largest unit that keeps it readable: "250ms", "1.5s", "-12.345us".
std::string format_duration(Duration d);

// ISO 8601 UTC with nanoseconds: "2026-11-23T17:13:43.123456789Z".
std::string format_unix_time(UnixTime t);

}  // namespace kairos
