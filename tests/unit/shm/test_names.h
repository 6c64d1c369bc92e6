// Unique shm names for tests, so parallel runs and other helpers never collide.
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

namespace kairos::shm::testing {

inline std::string unique_shm_name(const std::string& tag) {
  static std::atomic<int> n{0};
  return "/kairos-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

}  // namespace kairos::shm::testing
