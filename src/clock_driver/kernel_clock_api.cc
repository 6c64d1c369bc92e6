#include "clock_driver/kernel_clock_api.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kairos::clock_driver {
namespace {

class LinuxKernelClockApi final : public KernelClockApi {
 public:
  Result<int> adjtimex(struct timex& tx) override {
    const int state = ::adjtimex(&tx);
    if (state < 0) {
      const int err = errno;
      return Status::Unavailable(std::string("adjtimex: ") + std::strerror(err) +
                                 (err == EPERM ? " (needs CAP_SYS_TIME)" : ""));
    }
    return state;
  }
};

}  // namespace

std::unique_ptr<KernelClockApi> linux_kernel_clock_api() {
  return std::make_unique<LinuxKernelClockApi>();
}

Result<bool> has_cap_sys_time() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) {
    return Status::Unavailable(std::string("capget: ") + std::strerror(errno));
  }
  return (data[CAP_TO_INDEX(CAP_SYS_TIME)].effective & CAP_TO_MASK(CAP_SYS_TIME)) != 0;
}

long nominal_tick_us() {
  const long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? 1'000'000 / hz : 10'000;
}

}  // namespace kairos::clock_driver
