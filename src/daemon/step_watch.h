// StepWatch: finds steps of the system clock made by someone else, from successive readings
// of realtime − monotonic. A Linux slew moves both clocks alike, so only a step changes
// their difference. It also says when such steps keep coming (a second time daemon, a
// hypervisor's time agent), so the daemon names the likely cause once instead of leaving
// an operator a warning a second to puzzle over.
//
// Time is a parameter: the caller reads the clocks (read_clock_difference) and takes this
// daemon's own steps out. Thread safety: plain value.
#pragma once

#include <deque>
#include <optional>

#include "kairos/clock.h"
#include "kairos/time.h"

namespace kairos::daemon {

struct ClockDifference {
  MonoTime mono;
  Duration difference;  // realtime − monotonic, read at `mono`
};

// Reads realtime − monotonic so that a pause between two reads (a preemption, a stolen
// vCPU) cannot pass for a step: monotonic is read between two realtime reads, and again
// while those lie more than 100 µs apart. Empty when all 5 tries were interrupted.
std::optional<ClockDifference> read_clock_difference(const Clock& clock);

class StepWatch {
 public:
  // Steps this many times within kRepeatWindow are "repeated"; said at most once per
  // kRetellAfter.
  static constexpr int kRepeatCount = 3;
  static constexpr Duration kRepeatWindow = std::chrono::minutes(10);
  static constexpr Duration kRetellAfter = std::chrono::hours(1);

  struct Step {
    Duration amount;             // new − old
    Duration uncertainty;        // known within ± this: a disciplined clock slews up to 500 ppm
    int recent = 1;              // steps within kRepeatWindow, this one included
    bool tell_repeated = false;  // say now that steps keep coming
  };

  // A reading at `mono` of `difference` = realtime − monotonic. Returns the step since the
  // previous reading, if the difference moved more than 1 ms + 500 ppm of the time between.
  std::optional<Step> observe(MonoTime mono, Duration difference);

 private:
  std::optional<Duration> last_difference_;
  MonoTime last_reading_{};
  std::deque<MonoTime> recent_;  // times of the steps within kRepeatWindow
  std::optional<MonoTime> told_;
};

}  // namespace kairos::daemon
