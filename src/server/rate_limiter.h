// RateLimiter: a per-client-address token bucket in a fixed-size table (bounded memory,
// no allocation after construction).
//
// Each client address gets a bucket of `burst` requests refilled at `rate_per_second`
// (GCRA form: one "theoretical arrival time" per client). The table is 4-way set
// associative; a new client evicts the least recently active entry of its set, so a flood
// of spoofed addresses costs memory nothing and at worst resets other clients' buckets
// (which only lets them through). A limited client is told with a Kiss-o'-Death at most
// once per `kod_interval`.
//
// Time is a parameter: check() takes the monotonic `now`.
// Thread safety: none; the responder keeps one limiter per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kairos/time.h"

namespace kairos::server {

struct RateLimitOptions {
  bool enabled = true;
  double rate_per_second = 1.0;    // sustained requests per second per client address (> 0)
  std::uint32_t burst = 16;        // requests allowed back to back (>= 1)
  bool limit_loopback = false;     // loopback clients are exempt unless this is set
  bool send_kod = true;            // limited requests get a RATE KoD (else they are dropped)
  std::size_t table_size = 16384;  // clients tracked (rounded up to a power of two, >= 4)
  Duration kod_interval = seconds(1);
};

enum class RateDecision : std::uint8_t {
  kAllow,
  kLimitedKod,   // over the limit; answer with a RATE Kiss-o'-Death
  kLimitedDrop,  // over the limit; send nothing
};

class RateLimiter {
 public:
  explicit RateLimiter(const RateLimitOptions& options);
  RateDecision check(std::uint64_t address_hash, MonoTime now);
  std::size_t table_size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t key = 0;         // address hash; 0 = empty
    std::int64_t tat_ns = 0;       // theoretical arrival time of the next request
    std::int64_t last_kod_ns = 0;  // when this client was last sent a KoD
  };
  RateLimitOptions options_;
  std::int64_t interval_ns_;
  std::int64_t tolerance_ns_;
  std::vector<Entry> entries_;
  std::size_t set_mask_;
};

}  // namespace kairos::server
