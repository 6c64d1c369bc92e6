// KernelClockApi: the one door to the kernel's clock-steering calls, so the driver's logic
// is tested with a fake that records every call (tests never change this machine's clock).
//
// Thread safety: the real API is a thin syscall wrapper (safe from any thread); fakes are
// used from one thread.
#pragma once

#include <sys/timex.h>

#include <memory>

#include "kairos/status.h"

namespace kairos::clock_driver {

class KernelClockApi {
 public:
  virtual ~KernelClockApi() = default;
  // adjtimex(2): applies the fields `tx.modes` selects, then fills `tx` with the kernel's
  // state. Returns the clock state (TIME_OK, TIME_ERROR, ...) or the errno as a Status.
  virtual Result<int> adjtimex(struct timex& tx) = 0;
};

// The real adjtimex(2). Only the daemon with `discipline_system_clock = true` creates it;
// no test exercises it.
std::unique_ptr<KernelClockApi> linux_kernel_clock_api();

// Whether this process may set the clock: CAP_SYS_TIME in its effective set (capget(2)).
Result<bool> has_cap_sys_time();

// The kernel's nominal tick in microseconds: 1e6 / USER_HZ (10000 on Linux).
long nominal_tick_us();

}  // namespace kairos::clock_driver
