#include "daemon/step_watch.h"

namespace kairos::daemon {

std::optional<ClockDifference> read_clock_difference(const Clock& clock) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const UnixTime before = clock.realtime();
    const MonoTime mono = clock.monotonic();
    const UnixTime after = clock.realtime();
    if (abs(after - before) > microseconds(100)) continue;
    const UnixTime realtime = before + (after - before) / 2;
    return ClockDifference{mono, realtime - UnixTime(mono.time_since_epoch())};
  }
  return std::nullopt;
}

std::optional<StepWatch::Step> StepWatch::observe(MonoTime mono, Duration difference) {
  const std::optional<Duration> last = last_difference_;
  const Duration elapsed = mono - last_reading_;
  last_difference_ = difference;
  last_reading_ = mono;
  if (!last) return std::nullopt;
  const Duration allowed = milliseconds(1) + from_seconds(to_seconds(elapsed) * 500e-6);
  const Duration jump = difference - *last;
  if (abs(jump) <= allowed) return std::nullopt;

  recent_.push_back(mono);
  while (mono - recent_.front() > kRepeatWindow) recent_.pop_front();
  Step step{.amount = jump, .uncertainty = allowed, .recent = static_cast<int>(recent_.size())};
  if (step.recent >= kRepeatCount && (!told_ || mono - *told_ >= kRetellAfter)) {
    step.tell_repeated = true;
    told_ = mono;
  }
  return step;
}

}  // namespace kairos::daemon
