#include "kairos/ntp_timestamp.h"

#include <gtest/gtest.h>

#include <random>

namespace kairos {
namespace {

UnixTime unix_s(std::int64_t s, std::int64_t ns = 0) {
  return UnixTime(seconds(s) + nanoseconds(ns));
}

// 2036-02-07T06:28:16Z in Unix seconds: NTP era 0 ends here.
constexpr std::int64_t kEraBoundary = 2'085'978'496;

TEST(NtpTimestamp, UnixEpochIsNtpSeconds2208988800) {
  const NtpTimestamp t = NtpTimestamp::from_unix(unix_s(0));
  EXPECT_EQ(t.seconds(), 2'208'988'800u);
  EXPECT_EQ(t.fraction(), 0u);
  EXPECT_EQ(t.to_unix(), unix_s(0));
}

TEST(NtpTimestamp, HalfSecondIsHalfTheFraction) {
  const NtpTimestamp t = NtpTimestamp::from_unix(unix_s(1'000'000'000, 500'000'000));
  EXPECT_EQ(t.fraction(), 0x80000000u);
}

TEST(NtpTimestamp, EraRolloverIn2036) {
  // The last nanosecond of era 0 and the first of era 1.
  const NtpTimestamp last = NtpTimestamp::from_unix(unix_s(kEraBoundary - 1, 999'999'999));
  const NtpTimestamp first = NtpTimestamp::from_unix(unix_s(kEraBoundary));
  EXPECT_EQ(last.seconds(), 0xffffffffu);
  EXPECT_EQ(first.seconds(), 0u);
  EXPECT_EQ(first.fraction(), 0u);
  EXPECT_EQ(ntp_era(unix_s(kEraBoundary - 1)), 0);
  EXPECT_EQ(ntp_era(unix_s(kEraBoundary)), 1);
  // RFC 4330 rule: top bit clear means era 1.
  EXPECT_EQ(first.to_unix(), unix_s(kEraBoundary));
  EXPECT_EQ(last.to_unix(), unix_s(kEraBoundary - 1, 999'999'999));
  // Differences across the boundary are small and signed.
  EXPECT_EQ(first - last, nanoseconds(1));
  EXPECT_EQ(last - first, nanoseconds(-1));
  EXPECT_EQ(last + nanoseconds(1), first);
}

TEST(NtpTimestamp, PivotPicksTheNearestEra) {
  // Seconds 10 of era 1 (2036) read near 2036 and near 1900.
  const NtpTimestamp t = NtpTimestamp::from_parts(10, 0);
  EXPECT_EQ(t.to_unix(unix_s(kEraBoundary)), unix_s(kEraBoundary + 10));
  EXPECT_EQ(t.to_unix(unix_s(-kNtpUnixEpochDelta)), unix_s(-kNtpUnixEpochDelta + 10));
  // A pivot in era 2 (2172) moves it there.
  const std::int64_t era2 = kEraBoundary + (std::int64_t{1} << 32);
  EXPECT_EQ(t.to_unix(unix_s(era2 + 100)), unix_s(era2 + 10));
}

TEST(NtpTimestamp, RoundTripIsExactForEveryNanosecondSampled) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t s = static_cast<std::int64_t>(rng() % 4'000'000'000) - 500'000'000;
    const std::int64_t ns = static_cast<std::int64_t>(rng() % 1'000'000'000);
    const UnixTime u = unix_s(s, ns);
    // The pivot at the time itself always gives it back, whatever its era.
    ASSERT_EQ(NtpTimestamp::from_unix(u).to_unix(u), u) << s << "." << ns;
  }
}

TEST(NtpTimestamp, DifferenceIsSignedAndRoundsToNanoseconds) {
  const NtpTimestamp a = NtpTimestamp::from_unix(unix_s(1'700'000'000, 250'000'000));
  const NtpTimestamp b = NtpTimestamp::from_unix(unix_s(1'700'000'003, 0));
  EXPECT_EQ(b - a, milliseconds(2750));
  EXPECT_EQ(a - b, milliseconds(-2750));
  EXPECT_EQ(a + milliseconds(2750), b);
  EXPECT_EQ(b - milliseconds(2750), a);
}

TEST(NtpTimestamp, ToStringIsHex) {
  EXPECT_EQ(NtpTimestamp::from_parts(0xe7a1b2c3, 0x1fbe76c8).to_string(), "e7a1b2c3.1fbe76c8");
}

TEST(NtpShort, RoundsUpAndSaturates) {
  EXPECT_EQ(NtpShort::from_duration(seconds(1)).raw(), 0x10000u);
  EXPECT_EQ(NtpShort::from_duration(nanoseconds(1)).raw(), 1u);  // never rounds to zero
  EXPECT_EQ(NtpShort::from_duration(nanoseconds(-5)).raw(), 0u);
  EXPECT_EQ(NtpShort::from_duration(hours(100)).raw(), 0xffffffffu);
  EXPECT_EQ(NtpShort::from_raw(0x8000).to_duration(), milliseconds(500));
  // Encoding never makes a bound smaller.
  for (std::int64_t ns : {1, 999, 15'258, 15'259, 1'000'000, 123'456'789}) {
    EXPECT_GE(NtpShort::from_duration(nanoseconds(ns)).to_duration(), nanoseconds(ns) - nanoseconds(1));
  }
}

}  // namespace
}  // namespace kairos
