// Closed loops of async callers for the TSO client tests: each caller makes its next call
// from the callback of the one before, as many cheap callers do.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "kairos/status.h"

namespace kairos::tso::testing {

// One caller's values (the first of each range) and its error, if a call failed.
struct Caller {
  std::vector<std::uint64_t> got;
  Status error;
};
// Reports one call's outcome: its first value, or (status not OK) its error.
using Done = std::function<void(const Status&, std::uint64_t first)>;

// Closed loops of `callers` async callers making `calls_each` calls each, every call made
// from the callback of the one before (a caller stops at its first error). `issue(c, done)`
// makes caller c's call. Returns when every caller has stopped.
inline std::vector<Caller> run_closed_loops(int callers, int calls_each,
                                            const std::function<void(int, Done)>& issue) {
  std::vector<Caller> out(callers);
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
  std::function<void(int)> next = [&](int c) {
    issue(c, [&, c](const Status& s, std::uint64_t first) {
      Caller& me = out[c];
      if (s.ok()) me.got.push_back(first);
      if (!s.ok()) me.error = s;
      if (s.ok() && me.got.size() < static_cast<std::size_t>(calls_each)) return next(c);
      std::lock_guard lock(mu);
      ++finished;
      cv.notify_all();
    });
  };
  for (int c = 0; c < callers; ++c) next(c);
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return finished == callers; });
  return out;
}

}  // namespace kairos::tso::testing
