#include "sim/plan.h"

#include <gtest/gtest.h>

namespace kairos::sim {
namespace {

PlanInput lan() {
  PlanInput in;
  in.drift_ppm = 15.0;
  in.jitter = microseconds(20);
  in.delay = microseconds(50);
  in.delta = milliseconds(1);
  return in;
}

TEST(Plan, ServersFollowTwoFPlusOne) {
  PlanInput in = lan();
  for (const auto& [f, u, n] : {std::tuple{0, 0, 1}, {1, 0, 3}, {2, 0, 5}, {1, 1, 4}}) {
    in.falsetickers = f;
    in.unreachable = u;
    Result<Plan> p = make_plan(in);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->servers, n) << f << " liars, " << u << " down";
  }
}

TEST(Plan, PollIsTheEnginesRuleForTheHeadroom) {
  Result<Plan> p = make_plan(lan());
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->feasible);
  // The bound after an update plus growth over one poll stays within delta...
  const double grown = to_seconds(p->bound_after_update) + to_seconds(lan().jitter) +
                       p->growth_ppm * 1e-6 * static_cast<double>(1 << p->poll_log2);
  EXPECT_LE(grown, to_seconds(lan().delta));
  // ...and the next longer poll would not.
  const double next = to_seconds(p->bound_after_update) + to_seconds(lan().jitter) +
                      p->growth_ppm * 1e-6 * static_cast<double>(2 << p->poll_log2);
  EXPECT_GT(next, to_seconds(lan().delta));
  EXPECT_NE(p->reasoning.find("poll " + std::to_string(p->poll_log2)), std::string::npos);
}

TEST(Plan, TighterDeltaOrMoreDriftMeansShorterPolls) {
  PlanInput in = lan();
  const Plan base = *make_plan(in);
  in.delta = microseconds(300);
  EXPECT_LT(make_plan(in)->poll_log2, base.poll_log2);
  in = lan();
  in.drift_ppm = 100;
  EXPECT_LT(make_plan(in)->poll_log2, base.poll_log2);
}

TEST(Plan, ImpossibleDeltaIsSaidSo) {
  PlanInput in = lan();
  in.delay = milliseconds(30);
  in.jitter = milliseconds(2);
  in.delta = milliseconds(1);
  Result<Plan> p = make_plan(in);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->feasible);
  EXPECT_NE(p->reasoning.find("no poll interval"), std::string::npos);
}

TEST(Plan, BadInputIsAnError) {
  PlanInput in = lan();
  in.delta = Duration(0);
  EXPECT_FALSE(make_plan(in).ok());
  in = lan();
  in.drift_ppm = -1;
  EXPECT_FALSE(make_plan(in).ok());
}

TEST(Plan, VerifyHoldsInTheSimulator) {
  PlanInput in = lan();
  in.delta = milliseconds(2);
  Result<Plan> p = make_plan(in);
  ASSERT_TRUE(p.ok());
  Result<PlanCheck> c = verify_plan(in, *p, 1);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->held) << format_duration(c->max_abs_error);
  EXPECT_EQ(c->violations, 0);
  EXPECT_EQ(c->falseticker_selections, 0);
  EXPECT_GT(c->max_bound, Duration(0));
}

}  // namespace
}  // namespace kairos::sim
