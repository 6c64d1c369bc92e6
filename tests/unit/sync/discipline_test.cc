#include "sync/discipline.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kairos::sync {
namespace {

const UnixTime kT(seconds(1'780'000'000));

TEST(DisciplineTest, SlewsAtMostTheMaximumRateAndMeetsTheTargetLine) {
  Discipline d;
  const Correction c = d.correct(kT, milliseconds(10), 20.0, false, false);
  EXPECT_EQ(c.kind, CorrectionKind::kSlew);
  EXPECT_DOUBLE_EQ(c.slew_ppm, 500.0);
  EXPECT_EQ(c.slew_end, kT + seconds(20));
  EXPECT_EQ(d.remaining_at(kT), milliseconds(10));
  EXPECT_EQ(d.remaining_at(kT + seconds(10)), milliseconds(5));
  // At the end the line is on the target line: 10 ms + 20 ppm × 20 s.
  EXPECT_EQ(d.offset_at(kT + seconds(20)), milliseconds(10) + microseconds(400));
  EXPECT_FALSE(d.slewing_at(kT + seconds(20)));
}

TEST(DisciplineTest, SmallCorrectionsSpreadOverTheMinimumDuration) {
  Discipline d;
  const Correction c = d.correct(kT, microseconds(-50), 0.0, false, false);
  EXPECT_DOUBLE_EQ(c.slew_ppm, -50.0);
  EXPECT_EQ(c.slew_end, kT + seconds(1));
}

TEST(DisciplineTest, StepsOnlyWhenAllowedAndAboveTheThreshold) {
  Discipline d;
  EXPECT_EQ(d.correct(kT, milliseconds(100), 0.0, true, false).kind, CorrectionKind::kSlew);
  Discipline e;
  EXPECT_EQ(e.correct(kT, milliseconds(200), 0.0, false, false).kind, CorrectionKind::kSlew);
  EXPECT_LE(std::abs(e.slew_ppm()), 500.0);
  Discipline f;
  EXPECT_EQ(f.correct(kT, milliseconds(200), 3.0, true, false).kind, CorrectionKind::kStep);
  EXPECT_EQ(f.offset_at(kT), milliseconds(200));
  EXPECT_DOUBLE_EQ(f.frequency_ppm(), 3.0);
  Discipline g;
  EXPECT_EQ(g.correct(kT, milliseconds(2), 0.0, true, false, milliseconds(1)).kind,
            CorrectionKind::kStep);
}

TEST(DisciplineTest, RefusesInsaneCorrectionsUnlessForced) {
  Discipline d;
  d.correct(kT, milliseconds(1), 0.0, false, false);
  const Duration before = d.offset_at(kT + seconds(5));
  EXPECT_EQ(d.correct(kT + seconds(5), seconds(1001), 0.0, true, false).kind,
            CorrectionKind::kRefused);
  EXPECT_EQ(d.offset_at(kT + seconds(5)), before);
  EXPECT_EQ(d.correct(kT + seconds(5), seconds(1001), 0.0, false, true).kind,
            CorrectionKind::kStep);
  EXPECT_EQ(d.offset_at(kT + seconds(5)), seconds(1001));
}

TEST(DisciplineTest, SystemClockStepKeepsVirtualTimeContinuous) {
  Discipline d;
  d.correct(kT, milliseconds(5), 10.0, false, false);
  const UnixTime virt = kT + seconds(3) + d.offset_at(kT + seconds(3));
  d.shift_system_clock(seconds(-60));
  const UnixTime sys = kT + seconds(3) - seconds(60);
  EXPECT_EQ(sys + d.offset_at(sys), virt);
}

}  // namespace
}  // namespace kairos::sync
