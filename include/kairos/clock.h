// Clock: the only way kairos code reads time (Pilcrow's rule). Algorithms take `now` as
// a parameter; the outermost I/O layer reads a Clock and passes the reading down.
//
// - SystemClock: CLOCK_REALTIME and CLOCK_MONOTONIC of this machine.
// - ManualClock: does not tick on its own; time moves only by set/advance calls. Waits
//   block until another thread advances the clock past their deadline, so "block until X"
//   is testable without sleeping.
// - ClockWrapper forwards every call to another Clock, so a test or a fault injector
//   overrides one method (as leveldb's EnvWrapper does).
// - ShiftedClock makes a process act as if its realtime clock were off by an offset and
//   drifting at a rate (the daemon's --sim-clock-offset / --sim-clock-drift-ppm test
//   features). It never touches the system clock.
//
// Thread safety: every method of every Clock here may be called from any thread.
#pragma once

#include <concepts>
#include <condition_variable>
#include <mutex>

#include "kairos/time.h"

namespace kairos {

class Clock {
 public:
  virtual ~Clock() = default;
  // Realtime (UTC, POSIX scale). May step when the system clock is set.
  virtual UnixTime realtime() const = 0;
  // Monotonic; never steps, for timers and intervals.
  virtual MonoTime monotonic() const = 0;
  // Blocks until monotonic() >= deadline.
  virtual void sleep_until(MonoTime deadline) const = 0;
  // Maps a reading of the machine's realtime clock taken outside this object (a kernel
  // socket timestamp, a file's mtime written by this host) onto this clock's scale, so
  // such stamps agree with realtime(). Identity unless the clock is shifted.
  virtual UnixTime from_system_realtime(UnixTime system_reading) const { return system_reading; }
  // How much faster than the machine's realtime clock this clock runs, in ppm: what turns a
  // rate on this clock's scale into one on the system's (0 unless the clock is shifted;
  // a ClockWrapper passes its target's through unless it overrides this).
  virtual double rate_vs_system_ppm() const { return 0.0; }
};

class SystemClock final : public Clock {
 public:
  static const SystemClock& instance();
  UnixTime realtime() const override;
  MonoTime monotonic() const override;
  void sleep_until(MonoTime deadline) const override;
};

class ManualClock final : public Clock {
 public:
  ManualClock(UnixTime realtime_start, MonoTime monotonic_start);
  // Starts at 2026-01-01T00:00:00Z realtime, 1000 s monotonic.
  ManualClock();

  UnixTime realtime() const override;
  MonoTime monotonic() const override;
  void sleep_until(MonoTime deadline) const override;

  // Moves both scales forward by d (d >= 0) and wakes waiters whose deadline passed.
  void advance(Duration d);
  // Steps only the realtime scale by d (either sign), as `date -s` would.
  void step_realtime(Duration d);

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  UnixTime realtime_;
  MonoTime monotonic_;
};

// Forwards everything to a target clock that must outlive the wrapper.
class ClockWrapper : public Clock {
 public:
  explicit ClockWrapper(const Clock& target) : target_(target) {}
  // Wrapping a wrapper (a ShiftedClock, say) wraps that clock. Without this overload the
  // copy constructor would be the better match, and copy the other wrapper's target.
  template <typename C>
    requires std::derived_from<C, ClockWrapper> && (!std::same_as<C, ClockWrapper>)
  explicit ClockWrapper(const C& target) : target_(target) {}
  UnixTime realtime() const override { return target_.realtime(); }
  MonoTime monotonic() const override { return target_.monotonic(); }
  void sleep_until(MonoTime deadline) const override { target_.sleep_until(deadline); }
  UnixTime from_system_realtime(UnixTime t) const override {
    return target_.from_system_realtime(t);
  }
  double rate_vs_system_ppm() const override { return target_.rate_vs_system_ppm(); }

 protected:
  const Clock& target() const { return target_; }

 private:
  const Clock& target_;
};

// realtime() = target.realtime() + offset + drift_ppm·1e-6·(monotonic() - anchor).
// Positive drift_ppm makes this clock run fast. The monotonic scale is not shifted.
class ShiftedClock final : public ClockWrapper {
 public:
  ShiftedClock(const Clock& target, Duration offset, double drift_ppm);
  UnixTime realtime() const override;
  // Kernel timestamps get the same shift as realtime().
  UnixTime from_system_realtime(UnixTime system_reading) const override;
  // The shift at a given monotonic instant.
  Duration shift_at(MonoTime mono) const;
  // The target's rate and drift_ppm, combined.
  double rate_vs_system_ppm() const override;

 private:
  Duration offset_;
  double drift_ppm_;
  MonoTime anchor_;
};

}  // namespace kairos
