#include "sync/sample.h"

#include <gtest/gtest.h>

namespace kairos::sync {
namespace {

const UnixTime kT(seconds(1'780'000'000));

ServerInfo good_server() {
  ServerInfo s;
  s.stratum = 2;
  s.root_delay = milliseconds(4);
  s.root_dispersion = milliseconds(1);
  s.leap = Leap::kNone;
  s.precision_log2 = -20;
  return s;
}

TEST(SampleTest, FourTimestampOffsetAndDelay) {
  // Server is 10 ms ahead; 3 ms out, 5 ms back, 1 ms in the server.
  // t4 = 3 + 1 + 5 ms after t1 on the client's clock.
  Exchange x{kT, kT + milliseconds(13), kT + milliseconds(14), kT + milliseconds(9), good_server()};
  Result<Sample> s = sample_from_exchange(x, SampleParams{-20, 0.0});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->offset, microseconds(9000));  // ((13) + (14 − 9)) / 2 = 9 ms: true 10 ± 4
  EXPECT_EQ(s->delay, milliseconds(8));
  EXPECT_LE(abs(s->offset - milliseconds(10)), s->delay / 2);
  EXPECT_EQ(s->time, x.t4);
  EXPECT_EQ(s->distance(),
            (milliseconds(4) + milliseconds(8)) / 2 + milliseconds(1) + s->dispersion);
}

TEST(SampleTest, CristianIsTheOneReadingCase) {
  Result<Sample> s = sample_from_cristian(kT, kT + seconds(2), kT + milliseconds(10), good_server(),
                                          SampleParams{});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->offset, seconds(2) - milliseconds(5));
  EXPECT_EQ(s->delay, milliseconds(10));
}

TEST(SampleTest, DispersionCountsPrecisionAndDriftDuringTheExchange) {
  Exchange x{kT, kT, kT, kT + seconds(1), good_server()};
  x.server.precision_log2 = -10;
  Result<Sample> s = sample_from_exchange(x, SampleParams{-10, 100.0});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dispersion, precision_duration(-10) * 2 + microseconds(100));
}

TEST(SampleTest, NegativeDelayBecomesDispersion) {
  Exchange x{kT, kT + milliseconds(1), kT + milliseconds(4), kT + milliseconds(2), good_server()};
  Result<Sample> s = sample_from_exchange(x, SampleParams{-30, 0.0});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->delay, Duration(0));
  EXPECT_GE(s->dispersion, milliseconds(1));
}

TEST(SampleTest, RejectsUnusableReplies) {
  auto err = [](Exchange x) { return sample_from_exchange(x, SampleParams{}).status().message(); };
  Exchange ok{kT, kT, kT, kT + milliseconds(1), good_server()};
  Exchange x = ok;
  x.t4 = kT - milliseconds(1);
  EXPECT_NE(err(x).find("t4"), std::string::npos);
  x = ok;
  x.t3 = kT - milliseconds(1);
  EXPECT_NE(err(x).find("t3"), std::string::npos);
  x = ok;
  x.server.stratum = 0;
  EXPECT_NE(err(x).find("stratum 0"), std::string::npos);
  x.server.stratum = 16;
  EXPECT_NE(err(x).find("stratum 16"), std::string::npos);
  x = ok;
  x.server.leap = Leap::kUnknown;
  EXPECT_NE(err(x).find("leap"), std::string::npos);
  x = ok;
  x.server.root_delay = milliseconds(-1);
  EXPECT_NE(err(x).find("negative"), std::string::npos);
}

TEST(SampleTest, ReferenceSampleIsStratumZero) {
  const Sample s = sample_from_reference(kT, milliseconds(3), microseconds(-50), 42);
  EXPECT_EQ(s.stratum, 0);
  EXPECT_EQ(s.distance(), microseconds(50));
  EXPECT_EQ(s.reference_id, 42u);
}

}  // namespace
}  // namespace kairos::sync
