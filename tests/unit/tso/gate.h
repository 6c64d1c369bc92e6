// Gate: a latch for the TSO server's may_serve hook in tests. While it is closed, requests
// wait in the server (each on the thread serving it); it counts them.
#pragma once

#include <condition_variable>
#include <mutex>

#include "kairos/status.h"

namespace kairos::tso::testing {

class Gate {
 public:
  Status pass() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
    return Status::Ok();
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  void wait_for_a_request() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_ > 0; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

}  // namespace kairos::tso::testing
