#include "tso/timestamp_oracle.h"

#include <algorithm>
#include <string>

#include "kairos/hybrid_timestamp.h"

namespace kairos::tso {
namespace {

// Milliseconds since the epoch, or an error when `now` cannot be a physical part.
Result<std::uint64_t> to_physical_ms(UnixTime now) {
  const std::int64_t ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  if (ms <= 0 || static_cast<std::uint64_t>(ms) >= kHybridPhysicalLimit) {
    return Status::FailedPrecondition("clock reads " + format_unix_time(now) +
                                      ", outside the range of hybrid timestamps");
  }
  return static_cast<std::uint64_t>(ms);
}

std::string ms_text(std::uint64_t ms) { return format_duration(milliseconds(ms)); }

}  // namespace

Status validate(const TimestampOracleOptions& o) {
  if (o.window < milliseconds(1)) {
    return Status::InvalidArgument("window must be at least 1ms, got " + format_duration(o.window));
  }
  if (o.panic_threshold <= o.window) {
    return Status::InvalidArgument("panic_threshold (" + format_duration(o.panic_threshold) +
                                   ") must be larger than window (" + format_duration(o.window) +
                                   ")");
  }
  if (o.max_count < 1 || o.max_count > kHybridLogicalLimit) {
    return Status::InvalidArgument("max timestamps per request must be 1.." +
                                   std::to_string(kHybridLogicalLimit) + ", got " +
                                   std::to_string(o.max_count));
  }
  return Status::Ok();
}

TimestampOracle::TimestampOracle(Store& store, TimestampOracleOptions options)
    : store_(store),
      options_(options),
      window_ms_(static_cast<std::uint64_t>(
          std::chrono::duration_cast<milliseconds>(options.window).count())),
      panic_ms_(static_cast<std::uint64_t>(
          std::chrono::duration_cast<milliseconds>(options.panic_threshold).count())) {}

Status TimestampOracle::recover(UnixTime now) {
  Status s = recover_window(now);
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    serving_ = false;
    stopped_ = s;
  }
  return s;
}

Status TimestampOracle::recover_window(UnixTime now) {
  Result<std::uint64_t> now_ms = to_physical_ms(now);
  if (!now_ms.ok()) return now_ms.status();
  std::lock_guard extend_lock(extend_mu_);
  {
    std::lock_guard lock(mu_);
    serving_ = false;
  }
  Result<std::uint64_t> stored = store_.load(kTimestampKey);
  if (!stored.ok()) return stored.status().WithContext("loading the timestamp window");
  if (*stored > *now_ms + panic_ms_) {
    return Status::FailedPrecondition(
        "clock is " + ms_text(*stored - *now_ms) +
        " behind the persisted timestamp window, more than the panic threshold of " +
        ms_text(panic_ms_) + "; refusing to serve (fix the clock or raise tso.panic_threshold)");
  }
  // Everything served before has physical < *stored.
  const std::uint64_t start = std::max(*now_ms, *stored);
  const std::uint64_t target = std::max(*now_ms + window_ms_, start + 1);
  if (Status s = store_.compare_and_set(kTimestampKey, *stored, target); !s.ok()) {
    return s.WithContext("writing the first timestamp window");
  }
  mark_ = {target, false};
  std::lock_guard lock(mu_);
  limit_ms_ = target;
  last_phys_ms_ = start;
  next_logical_ = 0;
  serving_ = true;
  return Status::Ok();
}

void TimestampOracle::stop_serving(Status why) {
  std::lock_guard lock(mu_);
  serving_ = false;
  stopped_ = std::move(why);
}

Result<std::uint64_t> TimestampOracle::allocate(std::uint32_t count, UnixTime now) {
  if (count == 0) return Status::InvalidArgument("count must be at least 1");
  if (count > options_.max_count) {
    return Status::OutOfRange("count " + std::to_string(count) + " is over the limit of " +
                              std::to_string(options_.max_count) + " timestamps per request");
  }
  Result<std::uint64_t> now_ms = to_physical_ms(now);
  if (!now_ms.ok()) return now_ms.status();
  // At most a few rounds: each store write moves the bound past what we need.
  for (int round = 0; round < 4; ++round) {
    std::uint64_t need_limit = 0;
    {
      std::lock_guard lock(mu_);
      if (!serving_) return stopped_;
      if (limit_ms_ > *now_ms + panic_ms_) {
        return Status::FailedPrecondition(
            "clock is " + ms_text(limit_ms_ - *now_ms) +
            " behind the timestamp window, more than the panic threshold of " + ms_text(panic_ms_) +
            "; refusing to serve");
      }
      std::uint64_t phys = std::max(*now_ms, last_phys_ms_);
      std::uint64_t logical = phys == last_phys_ms_ ? next_logical_ : 0;
      if (logical + count > kHybridLogicalLimit) {
        ++phys;  // logical overflow: the next millisecond
        logical = 0;
      }
      if (phys < limit_ms_) {
        last_phys_ms_ = phys;
        next_logical_ = logical + count;
        return make_hybrid_timestamp(phys, logical);
      }
      need_limit = phys + 1;
    }
    if (Status s = extend_to(need_limit, *now_ms); !s.ok()) return s;
  }
  return Status::Unavailable("timestamp window could not be extended fast enough; retry");
}

bool TimestampOracle::wants_extension(UnixTime now) const {
  Result<std::uint64_t> now_ms = to_physical_ms(now);
  if (!now_ms.ok()) return false;
  std::lock_guard lock(mu_);
  return serving_ && limit_ms_ < std::max(*now_ms, last_phys_ms_) + window_ms_ / 2 + 1;
}

Status TimestampOracle::extend(UnixTime now) {
  Result<std::uint64_t> now_ms = to_physical_ms(now);
  if (!now_ms.ok()) return now_ms.status();
  std::uint64_t need = 0;
  {
    std::lock_guard lock(mu_);
    need = std::max(*now_ms, last_phys_ms_) + window_ms_ / 2 + 1;
  }
  return extend_to(need, *now_ms);
}

Status TimestampOracle::extend_to(std::uint64_t need_limit_ms, std::uint64_t now_ms) {
  std::lock_guard extend_lock(extend_mu_);
  {
    std::lock_guard lock(mu_);
    if (!serving_) return stopped_;
    if (limit_ms_ >= need_limit_ms) return Status::Ok();  // someone else extended it
  }
  Result<std::uint64_t> stored = advance_mark(store_, kTimestampKey, mark_,
                                              std::max(now_ms + window_ms_, need_limit_ms));
  std::lock_guard lock(mu_);
  if (stored.status().code() == StatusCode::kFailedPrecondition) {
    // Someone else owns the window now: never serve from our old view of it again.
    serving_ = false;
    stopped_ = Status::Unavailable("timestamp window was moved by another writer (" +
                                   stored.status().message() + "); this oracle stopped serving");
    return stopped_;
  }
  if (!stored.ok()) return stored.status().WithContext("extending the timestamp window");
  limit_ms_ = std::max(limit_ms_, *stored);
  return Status::Ok();
}

std::uint64_t TimestampOracle::limit_ms() const {
  std::lock_guard lock(mu_);
  return limit_ms_;
}

}  // namespace kairos::tso
