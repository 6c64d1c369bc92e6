// TimestampOracle: hands out hybrid timestamps (kairos/hybrid_timestamp.h) that are
// strictly increasing across all callers and across restarts, durable by high-water mark.
//
// The oracle keeps a window in the Store: a physical-millisecond bound `limit` such that
// every timestamp it has served or will serve before the next write has physical < limit.
// It writes a new bound (now + window) before serving beyond the old one, so there is one
// store write per window, not per request; after a crash it restarts at physical >= the
// stored bound. Time is a parameter (Pilcrow's rule): every call takes `now`, the node's
// disciplined clock as read by the caller. Issued physical parts are never behind `now`.
//
// A logical counter that would pass 2^18 within one millisecond moves the physical part
// one millisecond ahead. If `now` is behind the stored window by more than the panic
// threshold (the clock stepped back, or a wrong clock), the oracle refuses to serve
// (FailedPrecondition) instead of silently jumping. A compare-and-set refused by the
// store (another writer, a fenced leader) stops the oracle until recover() is called again
// (requests then get Unavailable: another node serves, the client should go there). A
// write whose answer was lost does not: the next extension reads the store first
// (advance_mark.h).
//
// Thread safety: every method may be called from any thread. allocate() takes one short
// mutex; store writes happen outside it (a second mutex serializes them).
#pragma once

#include <cstdint>
#include <mutex>

#include "kairos/status.h"
#include "kairos/time.h"
#include "tso/advance_mark.h"
#include "tso/store.h"

namespace kairos::tso {

struct TimestampOracleOptions {
  Duration window = seconds(3);            // how far ahead of now each store write reaches
  Duration panic_threshold = seconds(10);  // max (stored bound − now) we accept; > window
  std::uint32_t max_count = 1 << 18;       // timestamps per request, 1..2^18
};

// Checks the options (window >= 1 ms, panic_threshold > window, 1 <= max_count <= 2^18).
Status validate(const TimestampOracleOptions& options);

class TimestampOracle {
 public:
  // `store` must outlive the oracle. Options must be valid (see validate).
  TimestampOracle(Store& store, TimestampOracleOptions options);

  // Loads the stored bound, refuses if `now` is behind it by more than the panic
  // threshold, and writes the first window. Until it succeeds, allocate() fails.
  Status recover(UnixTime now);
  // Stops serving until the next recover(); allocate() then fails with `why`.
  void stop_serving(Status why);

  // Reserves `count` consecutive timestamps and returns the first; the others are
  // first+1 .. first+count-1 (same physical millisecond).
  Result<std::uint64_t> allocate(std::uint32_t count, UnixTime now);

  // True when less than half a window is left ahead of `now`: the caller should call
  // extend() soon, off the request path, so allocate() need not wait for the store.
  bool wants_extension(UnixTime now) const;
  Status extend(UnixTime now);

  // The stored bound in physical milliseconds (0 before recover), for status output.
  std::uint64_t limit_ms() const;

 private:
  Status recover_window(UnixTime now);
  // Makes the stored bound at least `need_limit_ms` (a store write unless it already is).
  Status extend_to(std::uint64_t need_limit_ms, std::uint64_t now_ms);

  Store& store_;
  const TimestampOracleOptions options_;
  const std::uint64_t window_ms_;
  const std::uint64_t panic_ms_;

  std::mutex extend_mu_;  // serializes store writes; taken before mu_, never after
  KnownMark mark_;        // guarded by extend_mu_: the stored bound as this writer knows it
  mutable std::mutex mu_;
  bool serving_ = false;  // guarded by mu_
  Status stopped_ = Status::Unavailable("timestamp oracle is not ready (not recovered)");  // mu_
  std::uint64_t limit_ms_ = 0;      // guarded by mu_: the stored bound
  std::uint64_t last_phys_ms_ = 0;  // guarded by mu_: physical part of the last issue
  std::uint64_t next_logical_ = 0;  // guarded by mu_: first free logical in last_phys_ms_
};

}  // namespace kairos::tso
