// LoggedStore: the TSO's store (tso::Store), telling the operator when it fails.
//
// A client whose call failed because a mark could not be written (disk full, etcd down)
// gets the reason in its error; the daemon's log got nothing. This wrapper reports failed
// loads and writes of the store it wraps: the first of a run at once, then a summary a
// minute while they go on (tso::FailureReport), and the first success after them.
//
// Thread safety: like the wrapped store (calls from several threads); the reports are
// guarded by a mutex, and `warn`/`info` are called under it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kairos/clock.h"
#include "tso/failure_report.h"
#include "tso/store.h"

namespace kairos::daemon {

class LoggedStore final : public tso::Store {
 public:
  using Sink = std::function<void(const std::string&)>;
  // `clock` must outlive the store.
  LoggedStore(std::unique_ptr<tso::Store> inner, const Clock& clock, Sink warn, Sink info);

  Result<std::uint64_t> load(std::string_view key) override;
  Status compare_and_set(std::string_view key, std::uint64_t expected,
                         std::uint64_t value) override;
  std::string describe() const override { return inner_->describe(); }

 private:
  void note(tso::FailureReport& report, const Status& outcome);

  std::unique_ptr<tso::Store> inner_;
  const Clock& clock_;
  Sink warn_;
  Sink info_;
  std::mutex mu_;
  tso::FailureReport loads_;   // guarded by mu_
  tso::FailureReport writes_;  // guarded by mu_
};

}  // namespace kairos::daemon
