// Stores for the tso unit tests: an in-memory Store that counts writes and can be told to
// fail, so tests inject store faults without a disk.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "tso/store.h"

namespace kairos::tso::testing {

class MemoryStore : public Store {
 public:
  Result<std::uint64_t> load(std::string_view key) override {
    std::lock_guard lock(mu_);
    if (!fail_loads_.ok()) return fail_loads_;
    auto it = marks_.find(std::string(key));
    return it == marks_.end() ? std::uint64_t{0} : it->second;
  }
  Status compare_and_set(std::string_view key, std::uint64_t expected,
                         std::uint64_t value) override {
    std::lock_guard lock(mu_);
    if (!fail_writes_.ok()) return fail_writes_;
    std::uint64_t& cur = marks_[std::string(key)];
    if (cur != expected) return Status::FailedPrecondition("mark moved");
    cur = value;
    ++writes_;
    return std::exchange(lost_answer_, Status::Ok());
  }
  std::string describe() const override { return "memory"; }

  void fail_writes(Status s) {
    std::lock_guard lock(mu_);
    fail_writes_ = std::move(s);
  }
  // The next write is applied, but its caller gets `s` (an etcd reply that never came).
  void lose_next_answer(Status s) {
    std::lock_guard lock(mu_);
    lost_answer_ = std::move(s);
  }
  void fail_loads(Status s) {
    std::lock_guard lock(mu_);
    fail_loads_ = std::move(s);
  }
  // Another writer moves a mark behind the back of whoever uses this store.
  void set(const std::string& key, std::uint64_t value) {
    std::lock_guard lock(mu_);
    marks_[key] = value;
  }
  std::uint64_t get(const std::string& key) {
    std::lock_guard lock(mu_);
    return marks_[key];
  }
  int writes() {
    std::lock_guard lock(mu_);
    return writes_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::uint64_t> marks_;
  Status fail_writes_;
  Status fail_loads_;
  Status lost_answer_;
  int writes_ = 0;
};

}  // namespace kairos::tso::testing
