#include "clock_driver/correction_line.h"

#include <gtest/gtest.h>

#include "clock_driver/clock_driver.h"
#include "clock_driver/engine_scale_clock.h"

namespace kairos::clock_driver {
namespace {

const UnixTime kRef(seconds(1'780'000'000));

TEST(CorrectionLineTest, MapsBothWaysAndKeepsTheVirtualClock) {
  const CorrectionLine a{kRef, milliseconds(3), 250.0};
  const UnixTime u = kRef + seconds(400);
  EXPECT_EQ(a.at(u), milliseconds(103));  // 3 ms + 250 ppm · 400 s
  EXPECT_EQ(a.to_system(u), u + milliseconds(103));
  EXPECT_EQ(a.to_engine(a.to_system(u)), u);
  ClockSnapshot s;
  s.system_ref = kRef + seconds(10);
  s.offset = milliseconds(7);
  s.frequency_ppm = 240.0;
  s.error_bound = microseconds(300);
  s.max_drift_ppm = 20.0;
  const ClockSnapshot k = a.to_system(s);
  for (const Duration since : {Duration(0), Duration(seconds(100)), Duration(seconds(5000))}) {
    const UnixTime ut = s.system_ref + since;
    const Duration diff = k.virtual_time(a.to_system(ut)) - s.virtual_time(ut);
    EXPECT_LE(diff < Duration(0) ? -diff : diff, Duration(2)) << format_duration(since);
    EXPECT_GE(k.error_bound_at(a.to_system(ut)) + Duration(1), s.error_bound_at(ut));
  }
}

TEST(CorrectionLineTest, ASlowerSystemClockGrowsTheBoundFasterPerSystemSecond) {
  const CorrectionLine a{kRef, Duration(0), -1000.0};
  ClockSnapshot s;
  s.system_ref = kRef;
  s.max_drift_ppm = 15.0;
  EXPECT_NEAR(a.to_system(s).max_drift_ppm, 15.0 / (1.0 - 1000e-6), 1e-9);
  EXPECT_EQ(CorrectionLine{}.to_system(s).max_drift_ppm, 15.0);
}

TEST(VirtualClockDriverTest, TouchesNothingAndMapsNothing) {
  VirtualClockDriver d;
  EXPECT_EQ(d.name(), "virtual");
  ClockSnapshot s;
  s.system_ref = kRef;
  s.offset = seconds(2);
  Result<ApplyResult> r = d.apply(s, kRef, true);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->stepped.has_value());
  EXPECT_EQ(r->uncertainty, Duration(0));
  EXPECT_EQ(d.to_system_scale(s).offset, seconds(2));
  EXPECT_EQ(d.to_engine_scale(kRef), kRef);
  ManualClock clock(kRef, MonoTime(seconds(5)));
  EngineScaleClock engine_clock(clock, d);
  EXPECT_EQ(engine_clock.realtime(), kRef);
}

}  // namespace
}  // namespace kairos::clock_driver
