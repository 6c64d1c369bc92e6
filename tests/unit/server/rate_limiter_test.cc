#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace kairos::server {
namespace {

RateLimitOptions options(double rate, std::uint32_t burst, bool kod = true) {
  RateLimitOptions o;
  o.rate_per_second = rate;
  o.burst = burst;
  o.send_kod = kod;
  o.table_size = 64;
  return o;
}

TEST(RateLimiterTest, AllowsTheBurstThenLimits) {
  RateLimiter rl(options(1.0, 4));
  const MonoTime t(seconds(100));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(rl.check(42, t), RateDecision::kAllow) << i;
  EXPECT_EQ(rl.check(42, t), RateDecision::kLimitedKod);
  // At most one KoD per kod_interval (1 s); the rest are dropped.
  EXPECT_EQ(rl.check(42, t), RateDecision::kLimitedDrop);
  // Another client is unaffected.
  EXPECT_EQ(rl.check(43, t), RateDecision::kAllow);
}

TEST(RateLimiterTest, RefillsAtTheRate) {
  RateLimiter rl(options(2.0, 1, false));
  MonoTime t(seconds(100));
  EXPECT_EQ(rl.check(7, t), RateDecision::kAllow);
  EXPECT_EQ(rl.check(7, t + milliseconds(100)), RateDecision::kLimitedDrop);
  EXPECT_EQ(rl.check(7, t + milliseconds(500)), RateDecision::kAllow);
  // Sustained at exactly the rate: always allowed.
  for (int i = 2; i < 20; ++i) {
    EXPECT_EQ(rl.check(7, t + milliseconds(500) * i), RateDecision::kAllow) << i;
  }
}

TEST(RateLimiterTest, TableIsBoundedUnderAFloodOfAddresses) {
  RateLimiter rl(options(1.0, 2));
  EXPECT_EQ(rl.table_size(), 64u);
  const MonoTime t(seconds(100));
  for (std::uint64_t a = 1; a < 100'000; ++a)
    EXPECT_EQ(rl.check(a * 0x9e3779b97f4a7c15ull, t), RateDecision::kAllow);
  EXPECT_EQ(rl.table_size(), 64u);
}

}  // namespace
}  // namespace kairos::server
