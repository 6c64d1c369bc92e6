#include "kairos/time.h"

#include <gtest/gtest.h>

namespace kairos {
namespace {

TEST(ParseDuration, AcceptsUnitsAndFractions) {
  EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("-3us"), microseconds(-3));
  EXPECT_EQ(*parse_duration("+7ns"), nanoseconds(7));
  EXPECT_EQ(*parse_duration("2m"), minutes(2));
  EXPECT_EQ(*parse_duration("1h"), hours(1));
  EXPECT_EQ(*parse_duration("0"), nanoseconds(0));
  EXPECT_EQ(*parse_duration("0.000000001s"), nanoseconds(1));
  EXPECT_EQ(*parse_duration(".5s"), milliseconds(500));
}

TEST(ParseDuration, RejectsWithAMessageThatSaysWhy) {
  auto no_unit = parse_duration("250");
  ASSERT_FALSE(no_unit.ok());
  EXPECT_NE(no_unit.status().message().find("needs a unit"), std::string::npos);
  auto bad_unit = parse_duration("5 parsecs");
  ASSERT_FALSE(bad_unit.ok());
  EXPECT_NE(bad_unit.status().message().find("unknown duration unit"), std::string::npos);
  EXPECT_FALSE(parse_duration("").ok());
  EXPECT_FALSE(parse_duration("ms").ok());
  EXPECT_FALSE(parse_duration("-").ok());
  EXPECT_FALSE(parse_duration("1.0000000001s").ok());
  auto huge = parse_duration("999999999999h");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kOutOfRange);
}

TEST(FormatDuration, PicksAReadableUnit) {
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(nanoseconds(-12345)), "-12.345us");
  EXPECT_EQ(format_duration(nanoseconds(7)), "7ns");
  EXPECT_EQ(*parse_duration(format_duration(nanoseconds(123'456'789))), nanoseconds(123'456'789));
}

TEST(FromSeconds, RoundsAndSaturates) {
  EXPECT_EQ(from_seconds(1.5e-9), nanoseconds(2));
  EXPECT_EQ(from_seconds(-0.25), milliseconds(-250));
  EXPECT_EQ(from_seconds(1e30), Duration::max());
  EXPECT_EQ(from_seconds(-1e30), Duration::min());
  EXPECT_EQ(from_seconds(std::numeric_limits<double>::quiet_NaN()), nanoseconds(0));
}

TEST(FormatUnixTime, IsIso8601WithNanoseconds) {
  EXPECT_EQ(format_unix_time(UnixTime(seconds(0))), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_unix_time(UnixTime(seconds(2'085'978'496) + nanoseconds(5))),
            "2036-02-07T06:28:16.000000005Z");
  EXPECT_EQ(format_unix_time(UnixTime(nanoseconds(-1))), "1969-12-31T23:59:59.999999999Z");
}

}  // namespace
}  // namespace kairos
