// FakeStorage: a ProbeFile whose storage clock is `reference_offset` ahead of a
// ManualClock, whose write takes `write_time` (the clock advances by it), and whose stamps
// are truncated to `resolution`. Faults: fail_with (every write fails), stuck (the mtime
// stops moving), lag_next (the next stamp is that much old, as a coarse kernel clock's;
// `lag` is what stamp_lag() declares).
#pragma once

#include <optional>
#include <string>

#include "kairos/clock.h"
#include "sources/file_probe.h"

namespace kairos::sources {

class FakeStorage final : public ProbeFile {
 public:
  FakeStorage(ManualClock& clock, Duration reference_offset, Duration write_time,
              Duration resolution)
      : offset(reference_offset), clock_(clock), write_time_(write_time), resolution_(resolution) {}
  Result<UnixTime> rewrite_and_stat() override {
    if (fail_with) return *fail_with;
    clock_.advance(write_time_ / 2);
    const UnixTime stamped = stuck ? last_ : clock_.realtime() + offset - lag_next;
    lag_next = Duration(0);
    clock_.advance(write_time_ - write_time_ / 2);
    const auto ns = stamped.time_since_epoch().count();
    last_ = UnixTime(Duration(ns - ns % resolution_.count()));
    return last_;
  }
  std::string name() const override { return "fake"; }
  Duration stamp_lag() const override { return lag; }

  Duration offset;  // the storage clock − the ManualClock; tests may move it
  std::optional<Status> fail_with;
  bool stuck = false;
  Duration lag{0};
  Duration lag_next{0};

 private:
  ManualClock& clock_;
  Duration write_time_, resolution_;
  UnixTime last_{};
};

}  // namespace kairos::sources
