// CorrectionLine: the correction a clock driver has handed to the system clock so far, as
// a line on the engine's scale. The sync engine measures and disciplines an undisturbed
// clock U (the "engine scale"); the system clock the kernel keeps is K = U + A(U), with
//   A(u) = offset + rate_ppm·1e-6·(u − ref).
// For the virtual driver A is zero (K = U: nothing is handed over). For the kernel driver
// it is the integral of the rates it set and the steps it made, so U = K − A(K) is the
// clock as if nobody steered it, and the engine's samples, drift and bound stay on one
// continuous scale.
//
// Units: rate in ppm of engine-scale time; positive: K runs faster than U.
// Thread safety: a plain value.
#pragma once

#include "kairos/clock_snapshot.h"
#include "kairos/time.h"

namespace kairos::clock_driver {

struct CorrectionLine {
  UnixTime ref{};
  Duration offset{0};
  double rate_ppm = 0.0;

  // A(u).
  Duration at(UnixTime engine_time) const;
  // K = u + A(u).
  UnixTime to_system(UnixTime engine_time) const;
  // The inverse: u with u + A(u) = system_time.
  UnixTime to_engine(UnixTime system_time) const;
  // The same virtual clock and bound, re-expressed against K: the engine's snapshot says
  // V = U + offset(U) with a bound growing per U-second; the result says V = K + offset'(K)
  // with the bound growing per K-second. Valid while this line holds.
  ClockSnapshot to_system(const ClockSnapshot& engine_snapshot) const;
};

}  // namespace kairos::clock_driver
