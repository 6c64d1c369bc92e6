#include "kairos/logical/swarm_stamp.h"

#include <gtest/gtest.h>

#include <random>

namespace kairos::logical {
namespace {

SwarmClock Make(SwarmScheme s, UnixTime epoch = kSwarmEpoch2014) {
  Result<SwarmClock> c = SwarmClock::create(s, "gritzko", "ssn", epoch);
  EXPECT_TRUE(c.ok());
  return std::move(*c);
}

TEST(SwarmStampTest, WriteUpExampleRoundTrips) {
  // The Swarm write-up's example: 8V7N8 is 142374344 seconds.
  Result<SwarmStamp> s = SwarmStamp::parse("8V7N8+gritzko~ssn", SwarmScheme::kSecondPrecise);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->time, 142374344u);
  EXPECT_EQ(s->seq, 0u);
  EXPECT_EQ(s->user, "gritzko");
  EXPECT_EQ(s->session, "ssn");
  EXPECT_EQ(s->to_string(), "8V7N8+gritzko~ssn");
  // With the write-up's 2010 epoch that is 2014-07-06T20:25:44Z (date -u -d @1404678344).
  EXPECT_EQ(format_unix_time(s->wall_time(kSwarmEpoch2010)), "2014-07-06T20:25:44.000000000Z");
  std::string b;
  swarm_int_to_base(142374344, 5, b);
  EXPECT_EQ(b, "8V7N8");
}

TEST(SwarmStampTest, SecondPreciseIssueUsesThe2014EpochAndSequence) {
  SwarmClock c = Make(SwarmScheme::kSecondPrecise);
  const UnixTime t = kSwarmEpoch2014 + seconds(142374344);
  EXPECT_EQ(*c.issue(t), "8V7N8+gritzko~ssn");
  EXPECT_EQ(*c.issue(t + milliseconds(300)), "8V7N801+gritzko~ssn");
  EXPECT_EQ(*c.issue(t + seconds(1)), "8V7N9+gritzko~ssn");
  EXPECT_FALSE(Make(SwarmScheme::kSecondPrecise).issue(kSwarmEpoch2014 - seconds(1)).ok());
}

TEST(SwarmStampTest, NeverGoesBackwardsWhenTheWallClockStepsBack) {
  SwarmClock c = Make(SwarmScheme::kSecondPrecise);
  UnixTime t = kSwarmEpoch2014 + seconds(1000);
  std::string prev = *c.issue(t);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    t += milliseconds(static_cast<std::int64_t>(rng() % 2000) - 1000);  // jitter both ways
    std::string s = *c.issue(t);
    ASSERT_GT(s, prev) << i;
    prev = s;
  }
  // A seen stamp ahead (within max_ahead): the next issue is greater than it, even though
  // the wall clock has not got there.
  std::string ahead;
  ASSERT_TRUE(Make(SwarmScheme::kSecondPrecise).issue(t + minutes(30), ahead).ok());
  ahead = ahead.substr(0, ahead.find('+')) + "+other~x";
  ASSERT_TRUE(c.see(*SwarmStamp::parse(ahead, SwarmScheme::kSecondPrecise), t).ok());
  EXPECT_GT(*c.issue(t), ahead);
  // Far ahead (beyond the default hour): refused, and the clock does not move.
  const std::string before = *c.issue(t);
  Status far = c.see(*SwarmStamp::parse("zzzzz+other~x", SwarmScheme::kSecondPrecise), t);
  EXPECT_EQ(far.code(), StatusCode::kOutOfRange);
  EXPECT_NE(far.message().find("ahead of the local clock"), std::string::npos);
  EXPECT_LT(*c.issue(t), std::string("zzzzz"));
  EXPECT_GT(*c.issue(t), before);
  // Another scheme cannot be ordered against this one.
  EXPECT_EQ(c.see(*SwarmStamp::parse("000A0+x~y", SwarmScheme::kLamport), t).code(),
            StatusCode::kInvalidArgument);
}

TEST(SwarmStampTest, SequenceOverflowBorrowsTheNextSecond) {
  SwarmClock c = Make(SwarmScheme::kSecondPrecise);
  const UnixTime t = kSwarmEpoch2014 + seconds(64);
  std::string last;
  for (int i = 0; i < 4096; ++i) last = *c.issue(t);
  EXPECT_EQ(last, "00010~~+gritzko~ssn");  // second 64, sequence 4095
  EXPECT_EQ(*c.issue(t), "00011+gritzko~ssn");
}

TEST(SwarmStampTest, MinutePreciseSortsAcrossSequence63And64) {
  SwarmClock c = Make(SwarmScheme::kMinutePrecise);
  const UnixTime t = kSwarmEpoch2014 + minutes(5);
  std::vector<std::string> issued;
  for (int i = 0; i < 200; ++i) issued.push_back(*c.issue(t));
  EXPECT_EQ(issued[0], "0005" "0+gritzko~ssn");
  EXPECT_EQ(issued[62], "0005" "z+gritzko~ssn");   // Swarm's bytes up to 62
  EXPECT_EQ(issued[63], "0005~00+gritzko~ssn");    // kairos: 63 is "~00" (Swarm: "~")
  EXPECT_EQ(issued[64], "0005~01+gritzko~ssn");    // Swarm would write "010"
  EXPECT_TRUE(std::is_sorted(issued.begin(), issued.end()));
  for (int i = 0; i < 200; ++i) {
    Result<SwarmStamp> p = SwarmStamp::parse(issued[i], SwarmScheme::kMinutePrecise);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->seq, static_cast<std::uint32_t>(i));
    EXPECT_EQ(p->time, 5u);
  }
  // Swarm's unordered 3-char form is refused with the reason.
  Result<SwarmStamp> bad = SwarmStamp::parse("0005010+a~b", SwarmScheme::kMinutePrecise);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("does not sort"), std::string::npos);
}

TEST(SwarmStampTest, StringOrderIsTimeOrder) {
  std::mt19937_64 rng(3);
  for (SwarmScheme scheme : {SwarmScheme::kSecondPrecise, SwarmScheme::kMinutePrecise}) {
    const std::uint32_t max_seq = scheme == SwarmScheme::kSecondPrecise ? 4095 : 4158;
    for (int i = 0; i < 5000; ++i) {
      SwarmStamp a{scheme, static_cast<std::uint32_t>(rng() % 100), 0, "u", "s"};
      SwarmStamp b = a;
      a.seq = static_cast<std::uint32_t>(rng() % (max_seq + 1));
      b.time = static_cast<std::uint32_t>(rng() % 100);
      b.seq = static_cast<std::uint32_t>(rng() % (max_seq + 1));
      const bool time_less = a.time < b.time || (a.time == b.time && a.seq < b.seq);
      ASSERT_EQ(a.to_string() < b.to_string(), time_less) << a.to_string() << " " << b.to_string();
      Result<SwarmStamp> back = SwarmStamp::parse(a.to_string(), scheme);
      ASSERT_TRUE(back.ok()) << a.to_string();
      ASSERT_EQ(*back, a);
    }
  }
}

TEST(SwarmStampTest, LamportScheme) {
  SwarmClock c = Make(SwarmScheme::kLamport);
  EXPECT_EQ(*c.issue(UnixTime()), "00000+gritzko~ssn");
  EXPECT_EQ(*c.issue(UnixTime()), "00001+gritzko~ssn");
  ASSERT_TRUE(c.see(*SwarmStamp::parse("000A0+x~y", SwarmScheme::kLamport), UnixTime()).ok());
  EXPECT_EQ(*c.issue(UnixTime()), "000A1+gritzko~ssn");
}

TEST(SwarmStampTest, BadInputIsRejected) {
  for (std::string_view bad : {"", "8V7N8", "8V7N8+", "8V7N8+user", "8V7N8+~s", "8V7N8+u~",
                               "8V7N+u~s", "8V7N800+u~s", "8V7N8!+u~s", "8V7N80+u~s",
                               "8V7N8+u~s+x", "8V7N8+u-x~s"}) {
    EXPECT_FALSE(SwarmStamp::parse(bad, SwarmScheme::kSecondPrecise).ok()) << bad;
  }
  EXPECT_FALSE(SwarmStamp::parse("0005~+u~s", SwarmScheme::kMinutePrecise).ok());
  EXPECT_FALSE(SwarmClock::create(SwarmScheme::kLamport, "a~b", "c").ok());
  EXPECT_FALSE(SwarmClock::create(SwarmScheme::kLamport, std::string(60, 'a'),
                                  std::string(30, 'b')).ok());
}

}  // namespace
}  // namespace kairos::logical
