// SimClock: one node's simulated oscillator and the two clocks read from it.
//   system(T) = T + offset + phase(T) + steps      (the realtime clock: steps)
//   mono(T)   = mono_start + (T − T0) + phase(T)   (the monotonic clock: never steps)
// phase is the integral of the frequency error: drift_ppm, plus a random walk (wander)
// that moves the frequency every second by a normal step sized so that its standard
// deviation after one hour is wander_ppm.
//
// The clock only moves forward: advance_to(T) integrates up to T, and every reading is
// at the time of the last advance. The simulator reads clocks only at the current event
// time, so this costs O(1) memory however long the run.
//
// Thread safety: none; a plain value owned by the simulator.
#pragma once

#include "kairos/time.h"
#include "sim/rng.h"

namespace kairos::sim {

class SimClock {
 public:
  SimClock(UnixTime start, Duration offset, double drift_ppm, double wander_ppm, Rng rng);

  // Moves to true time `t` (>= the last one).
  void advance_to(UnixTime t);
  UnixTime now() const { return now_; }

  UnixTime system() const;
  MonoTime mono() const;
  // system − true now.
  Duration error() const { return system() - now_; }
  double frequency_ppm() const { return frequency_ppm_; }
  void step(Duration amount) { steps_ += amount; }

  // The true time at which the monotonic clock will read `m`, at the current frequency
  // (rounded up, never before now). Used for scheduling the engine's deadlines.
  UnixTime true_time_of_mono(MonoTime m) const;

  static constexpr MonoTime kMonoStart = MonoTime(seconds(1000));

 private:
  void integrate(Duration dt);

  UnixTime start_;
  UnixTime now_;
  UnixTime next_wander_;
  Duration offset_;
  Duration steps_{0};
  double phase_ns_ = 0.0;   // oscillator − true, without offset and steps
  double frequency_ppm_;    // current rate error
  double wander_step_ppm_;  // standard deviation of one second's frequency move
  Rng rng_;
};

}  // namespace kairos::sim
