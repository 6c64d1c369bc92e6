#include "daemon/step_watch.h"

#include <gtest/gtest.h>

#include <vector>

namespace kairos::daemon {
namespace {

MonoTime at(Duration d) { return MonoTime(d); }

// A clock whose n-th read (of either scale, counting from 0) is preceded by pauses[n]: both
// scales move on by it, as when the reading thread is preempted.
class PausingClock final : public Clock {
 public:
  explicit PausingClock(std::vector<Duration> pauses) : pauses_(std::move(pauses)) {}
  UnixTime realtime() const override {
    pause();
    return realtime_;
  }
  MonoTime monotonic() const override {
    pause();
    return monotonic_;
  }
  void sleep_until(MonoTime) const override {}
  std::size_t reads() const { return reads_; }
  static constexpr Duration kDifference = seconds(1'700'000'000) - seconds(1000);

 private:
  void pause() const {
    const Duration p = reads_ < pauses_.size() ? pauses_[reads_] : Duration(0);
    realtime_ += p;
    monotonic_ += p;
    ++reads_;
  }
  std::vector<Duration> pauses_;
  mutable std::size_t reads_ = 0;
  mutable UnixTime realtime_{seconds(1'700'000'000)};
  mutable MonoTime monotonic_{seconds(1000)};
};

TEST(ReadClockDifference, ReadsTheDifference) {
  PausingClock clock({});
  std::optional<ClockDifference> d = read_clock_difference(clock);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->difference, PausingClock::kDifference);
  EXPECT_EQ(d->mono, MonoTime(seconds(1000)));
  EXPECT_EQ(clock.reads(), 3u);
}

// Read one after the other, a 2 ms pause between monotonic and realtime would be a 2 ms
// step (and widen the bound by 1.5 ms): the pause is seen and the reading taken again.
TEST(ReadClockDifference, APauseBetweenReadsIsNoStep) {
  PausingClock clock({Duration(0), milliseconds(2), Duration(0)});
  std::optional<ClockDifference> d = read_clock_difference(clock);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->difference, PausingClock::kDifference);
  EXPECT_EQ(clock.reads(), 6u) << "read again once";
  PausingClock late({Duration(0), Duration(0), milliseconds(2)});
  d = read_clock_difference(late);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->difference, PausingClock::kDifference);
}

TEST(ReadClockDifference, EmptyWhenEveryTryIsInterrupted) {
  std::vector<Duration> pauses;
  for (int i = 0; i < 5; ++i)
    pauses.insert(pauses.end(), {Duration(0), milliseconds(1), Duration(0)});
  PausingClock clock(pauses);
  EXPECT_FALSE(read_clock_difference(clock).has_value());
  EXPECT_EQ(clock.reads(), 15u);
}

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
