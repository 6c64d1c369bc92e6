// FakeKernel: a KernelClockApi that records every adjtimex call and keeps the state a
// kernel would (tick, freq, status, maxerror), and integrates the clock it steers: given
// the undisturbed clock U (set by the test), K = U + the rates and steps it was given.
// Nothing here touches this machine's clock.
#pragma once

#include <sys/timex.h>

#include <optional>
#include <vector>

#include "clock_driver/kernel_clock_api.h"
#include "kairos/time.h"

namespace kairos::clock_driver::testing {

class FakeKernel final : public KernelClockApi {
 public:
  std::vector<struct timex> calls;  // as passed in, before the kernel filled them
  long tick = 10'000;
  long freq = 0;  // ppm · 2^16
  int status = STA_UNSYNC;
  long maxerror = 16'000'000;
  long pll_offset = 0;
  long singleshot_offset = 0;
  std::optional<Status> fail;  // every call fails with this when set

  // The undisturbed clock now; K follows from it.
  void set_engine_time(UnixTime u) {
    k_ += (u - u_) + from_seconds(to_seconds(u - u_) * rate_ppm() * 1e-6);
    u_ = u;
  }
  UnixTime system_time() const { return k_; }
  void start_at(UnixTime u) {
    u_ = u;
    k_ = u;
  }

  Result<int> adjtimex(struct timex& tx) override {
    calls.push_back(tx);
    if (fail) return *fail;
    if (tx.modes == ADJ_OFFSET_SINGLESHOT) {
      singleshot_offset = tx.offset;
    } else {
      if (tx.modes & ADJ_STATUS) status = tx.status;
      if ((tx.modes & ADJ_OFFSET) && (status & STA_PLL)) pll_offset = tx.offset;
      if (tx.modes & ADJ_FREQUENCY) freq = tx.freq;
      if (tx.modes & ADJ_TICK) tick = tx.tick;
      if (tx.modes & ADJ_MAXERROR) maxerror = tx.maxerror;
      if (tx.modes & ADJ_SETOFFSET) {
        k_ += seconds(tx.time.tv_sec) + Duration(tx.time.tv_usec);  // ADJ_NANO assumed
      }
    }
    tx.tick = tick;
    tx.freq = freq;
    tx.status = status;
    tx.maxerror = maxerror;
    tx.offset = pll_offset;
    return TIME_OK;
  }

 private:
  double rate_ppm() const {
    return static_cast<double>(tick - 10'000) * 100.0 + static_cast<double>(freq) / 65536.0;
  }
  UnixTime u_{};
  UnixTime k_{};
};

}  // namespace kairos::clock_driver::testing
