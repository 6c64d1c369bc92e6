#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace kairos::server {
namespace {

constexpr std::size_t kWays = 4;

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = kWays;
  while (p < n && p < (std::size_t{1} << 30)) p <<= 1;
  return p;
}

}  // namespace

RateLimiter::RateLimiter(const RateLimitOptions& options)
    : options_(options),
      interval_ns_(
          static_cast<std::int64_t>(std::llround(1e9 / std::max(options.rate_per_second, 1e-6)))),
      tolerance_ns_(interval_ns_ *
                    static_cast<std::int64_t>(std::max<std::uint32_t>(options.burst, 1) - 1)),
      entries_(round_up_pow2(options.table_size)),
      set_mask_(entries_.size() / kWays - 1) {}

RateDecision RateLimiter::check(std::uint64_t address_hash, MonoTime now) {
  const std::uint64_t key = address_hash == 0 ? 1 : address_hash;
  const std::int64_t t = now.time_since_epoch().count();
  Entry* set = &entries_[(key & set_mask_) * kWays];
  Entry* e = nullptr;
  Entry* oldest = &set[0];
  for (std::size_t i = 0; i < kWays; ++i) {
    if (set[i].key == key) {
      e = &set[i];
      break;
    }
    if (set[i].key == 0 || set[i].tat_ns < oldest->tat_ns) oldest = &set[i];
    if (set[i].key == 0) break;
  }
  if (e == nullptr) {
    *oldest = Entry{key, t, t - options_.kod_interval.count()};
    e = oldest;
  }
  const std::int64_t tat = std::max(e->tat_ns, t);
  if (tat - t > tolerance_ns_) {
    if (!options_.send_kod) return RateDecision::kLimitedDrop;
    if (t - e->last_kod_ns < options_.kod_interval.count()) return RateDecision::kLimitedDrop;
    e->last_kod_ns = t;
    return RateDecision::kLimitedKod;
  }
  e->tat_ns = tat + interval_ns_;
  return RateDecision::kAllow;
}

}  // namespace kairos::server
