#include "daemon/open_files_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kairos::daemon {

Result<OpenFilesLimit> raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status::Internal(std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  const OpenFilesLimit result{limit.rlim_cur, limit.rlim_max};
  if (limit.rlim_cur == limit.rlim_max) return result;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status::Internal(std::string("setrlimit(RLIMIT_NOFILE) to the hard limit ") +
                            std::to_string(limit.rlim_max) + ": " + std::strerror(errno));
  }
  return result;
}

}  // namespace kairos::daemon
