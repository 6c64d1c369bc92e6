// build_record: turns the daemon's ClockSnapshot into the shm record a reader evaluates,
// anchored at the instant of the write. Pure: the caller passes the readings.
//
// - The record's line is the snapshot's virtual clock, re-anchored at `at_system`
//   (a CLOCK_REALTIME reading; `at_clock` is the same instant on the daemon's clock, which
//   runs `clock_rate_ppm` faster than the system's: Clock::rate_vs_system_ppm). Its rates
//   are converted to the system's scale, on which readers evaluate it.
// - Midpoints never go back: if the new line is behind the line `prev` already showed
//   readers at this instant (by delta), the record starts from the old midpoint, widens
//   the bound by delta, and slews toward the snapshot at delta / slew_horizon (at most
//   kMaxSlewPpm), widening the bound's growth by the same rate. The next write (at most
//   slew_horizon later: the heartbeat) re-evaluates. From or to unsynchronized, a new
//   line is taken as is (a first sync may step).
// - Rates are clamped to ±kMaxFrequencyPpm and [0, kMaxDriftPpm] (far beyond any real
//   oscillator), which keeps the reader's arithmetic in range.
//
// Thread safety: a pure function.
#pragma once

#include "kairos/bounded_clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/time.h"

namespace kairos::shm {

inline constexpr double kMaxSlewPpm = 500.0;
inline constexpr double kMaxFrequencyPpm = 10'000.0;
inline constexpr double kMaxDriftPpm = 10'000.0;

shm_layout::RecordValue build_record(const ClockSnapshot& snapshot, UnixTime at_system,
                                     UnixTime at_clock, double clock_rate_ppm,
                                     const shm_layout::RecordValue* prev,
                                     Duration slew_horizon);

}  // namespace kairos::shm
