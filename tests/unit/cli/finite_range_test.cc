#include "cli/finite_range.h"

#include <gtest/gtest.h>

namespace kairos::cli {
namespace {

// Parses `value` for a --x flag checked by finite_range(0.1, 600); returns the error text
// ("" when accepted).
std::string parse(const std::string& value, double& out) {
  CLI::App app;
  app.add_option("--x", out)->check(finite_range(0.1, 600.0));
  try {
    app.parse(std::vector<std::string>{value, "--x"});  // CLI11 takes argv reversed
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(FiniteRange, AcceptsNumbersInRange) {
  double v = 0;
  EXPECT_EQ(parse("2.5", v), "");
  EXPECT_EQ(v, 2.5);
  EXPECT_EQ(parse("600", v), "");
  EXPECT_EQ(v, 600.0);
}

TEST(FiniteRange, RejectsNanInfinitiesAndOutOfRange) {
  for (const char* bad : {"nan", "-nan", "inf", "-inf", "0.05", "601", "ten"}) {
    double v = 7.0;
    const std::string error = parse(bad, v);
    EXPECT_NE(error.find("not a finite number in [0.1 - 600]"), std::string::npos)
        << bad << ": " << error;
    EXPECT_EQ(v, 7.0) << bad;
  }
}

}  // namespace
}  // namespace kairos::cli
