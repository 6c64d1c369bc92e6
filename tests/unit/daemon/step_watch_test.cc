#include "daemon/step_watch.h"

#include <gtest/gtest.h>

namespace kairos::daemon {
namespace {

MonoTime at(Duration d) { return MonoTime(d); }

TEST(StepWatch, FirstReadingIsNoStep) {
  StepWatch w;
  EXPECT_FALSE(w.observe(at(seconds(1)), seconds(5)).has_value());
}

TEST(StepWatch, SmallChangesAreSlewsNotSteps) {
  StepWatch w;
  w.observe(at(seconds(0)), Duration(0));
  // 1 ms + 500 ppm of 1 s = 1.5 ms allowed.
  EXPECT_FALSE(w.observe(at(seconds(1)), microseconds(1500)).has_value());
  EXPECT_FALSE(w.observe(at(seconds(2)), Duration(0)).has_value());
  // Over a longer gap more is allowed: 1 ms + 500 ppm of 100 s = 51 ms.
  EXPECT_FALSE(w.observe(at(seconds(102)), milliseconds(50)).has_value());
}

TEST(StepWatch, StepsAreMeasuredFromTheLastReading) {
  StepWatch w;
  w.observe(at(seconds(0)), seconds(100));
  std::optional<StepWatch::Step> s = w.observe(at(seconds(1)), seconds(100) + milliseconds(5));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->amount, milliseconds(5));
  EXPECT_EQ(s->uncertainty, microseconds(1500));
  EXPECT_EQ(s->recent, 1);
  EXPECT_FALSE(s->tell_repeated);
  s = w.observe(at(seconds(2)), seconds(100) + milliseconds(5) - milliseconds(20));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->amount, -milliseconds(20));
  EXPECT_EQ(s->recent, 2);
}

// A clock stepped 5 ms a second from outside (what a CI VM did): the third step says so,
// then not again for an hour, though the steps go on.
TEST(StepWatch, RepeatedStepsAreToldOncePerHour) {
  StepWatch w;
  Duration diff(0);
  w.observe(at(seconds(0)), diff);
  int told = 0;
  for (int i = 1; i <= 3600; ++i) {
    diff += milliseconds(5);
    std::optional<StepWatch::Step> s = w.observe(at(seconds(i)), diff);
    ASSERT_TRUE(s.has_value()) << i;
    if (s->tell_repeated) {
      ++told;
      EXPECT_EQ(i, 3) << "told at the third step";
      EXPECT_EQ(s->recent, StepWatch::kRepeatCount);
    }
  }
  EXPECT_EQ(told, 1);
  diff += milliseconds(5);
  std::optional<StepWatch::Step> s = w.observe(at(seconds(3603)), diff);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->tell_repeated) << "an hour after the telling, told again";
  EXPECT_EQ(s->recent, 599) << "the steps of the last 10 minutes (at 3003..3600 s) and this one";
}

TEST(StepWatch, StepsFarApartAreNotRepeated) {
  StepWatch w;
  Duration diff(0);
  w.observe(at(Duration(0)), diff);
  for (int i = 1; i <= 10; ++i) {
    diff += seconds(1);
    std::optional<StepWatch::Step> s = w.observe(at(minutes(6 * i)), diff);
    ASSERT_TRUE(s.has_value());
    EXPECT_LE(s->recent, 2) << "at most two within any 10 minutes";
    EXPECT_FALSE(s->tell_repeated);
  }
}

}  // namespace
}  // namespace kairos::daemon
