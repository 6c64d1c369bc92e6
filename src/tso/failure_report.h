// FailureReport: what to log about a request that keeps failing, so that a retry every
// 100 ms against an unreachable etcd makes a few lines, not ten a second.
//
// The first failure is told at once; while failures go on, one line at most every
// `every` says how many there were and the last error; the first success after them says
// the failures ended. Pure: the caller passes `now` and logs what it gets back.
//
// Thread safety: not thread-safe (one per retrying thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kairos/time.h"

namespace kairos::tso {

class FailureReport {
 public:
  // `what` names the request in the lines ("etcd lease grant").
  explicit FailureReport(std::string what, Duration every = seconds(60));

  // A failure at `now` with `error`: the line to log, or nothing while the same run of
  // failures was told less than `every` ago.
  std::optional<std::string> failed(MonoTime now, const std::string& error);
  // A success at `now`: a line if it ends a run of failures, else nothing.
  std::optional<std::string> succeeded(MonoTime now);

 private:
  std::string what_;
  Duration every_;
  std::uint64_t failures_ = 0;  // in the current run (0: none)
  std::uint64_t untold_ = 0;    // failures since the last line
  MonoTime first_failure_{};
  MonoTime last_told_{};
};

}  // namespace kairos::tso
