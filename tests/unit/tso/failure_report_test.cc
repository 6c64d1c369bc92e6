#include "tso/failure_report.h"

#include <gtest/gtest.h>

namespace kairos::tso {
namespace {

const MonoTime t0{seconds(1000)};

TEST(FailureReport, TellsTheFirstFailureThenSumsUpOncePerPeriod) {
  FailureReport r("etcd lease grant", seconds(60));
  std::optional<std::string> first = r.failed(t0, "connect 127.0.0.1:2379: Connection refused");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first,
            "etcd lease grant failed: connect 127.0.0.1:2379: Connection refused (retrying; "
            "repeats are summed up every 60s)");
  // Retries every 100 ms for the next minute: nothing more to say.
  int told = 0;
  for (int i = 1; i < 600; ++i) told += r.failed(t0 + milliseconds(100) * i, "refused").has_value();
  EXPECT_EQ(told, 0);
  std::optional<std::string> sum = r.failed(t0 + seconds(60), "timed out");
  ASSERT_TRUE(sum.has_value());
  EXPECT_EQ(*sum, "etcd lease grant still failing: 600 more times in 60s, last: timed out");
  EXPECT_FALSE(r.failed(t0 + seconds(61), "timed out").has_value());
}

TEST(FailureReport, ASuccessEndsTheRunAndIsToldOnlyAfterFailures) {
  FailureReport r("etcd campaign", seconds(60));
  EXPECT_FALSE(r.succeeded(t0).has_value());
  ASSERT_TRUE(r.failed(t0, "refused").has_value());
  ASSERT_FALSE(r.failed(t0 + seconds(1), "refused").has_value());
  std::optional<std::string> back = r.succeeded(t0 + seconds(2));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, "etcd campaign works again after 2 failures in 2s");
  EXPECT_FALSE(r.succeeded(t0 + seconds(3)).has_value());
  // A new run is told at once again.
  std::optional<std::string> again = r.failed(t0 + seconds(4), "refused");
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->find("etcd campaign failed: refused"), std::string::npos);
  EXPECT_EQ(*r.succeeded(t0 + milliseconds(6516) + nanoseconds(310235)),
            "etcd campaign works again after 1 failure in 2.516s");
}

}  // namespace
}  // namespace kairos::tso
