#include "daemon/logged_store.h"

#include <utility>

namespace kairos::daemon {

LoggedStore::LoggedStore(std::unique_ptr<tso::Store> inner, const Clock& clock, Sink warn,
                         Sink info)
    : inner_(std::move(inner)),
      clock_(clock),
      warn_(std::move(warn)),
      info_(std::move(info)),
      loads_("reading the tso store"),
      writes_("writing the tso store") {}

Result<std::uint64_t> LoggedStore::load(std::string_view key) {
  Result<std::uint64_t> r = inner_->load(key);
  note(loads_, r.status());
  return r;
}

Status LoggedStore::compare_and_set(std::string_view key, std::uint64_t expected,
                                    std::uint64_t value) {
  Status s = inner_->compare_and_set(key, expected, value);
  note(writes_, s);
  return s;
}

void LoggedStore::note(tso::FailureReport& report, const Status& outcome) {
  const MonoTime now = clock_.monotonic();
  std::lock_guard lock(mu_);
  if (outcome.ok()) {
    if (std::optional<std::string> line = report.succeeded(now)) info_(*line);
  } else if (std::optional<std::string> line = report.failed(now, outcome.message())) {
    warn_(*line);
  }
}

}  // namespace kairos::daemon
