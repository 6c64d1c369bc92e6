#include "sync/drift_file.h"

#include <gtest/gtest.h>

#include <string>

namespace kairos::sync {
namespace {

TEST(DriftFileTest, RoundTrips) {
  const DriftState s{-12.345678, 0.5};
  Result<DriftState> r = parse_drift(drift_to_text(s));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->frequency_ppm, -12.345678);
  EXPECT_DOUBLE_EQ(r->error_ppm, 0.5);
}

TEST(DriftFileTest, AcceptsCommentsBlankLinesAndAnyOrder) {
  Result<DriftState> r =
      parse_drift("# saved\n\nkairos-drift 1\r\n  error_ppm 2 \nfrequency_ppm 3.5\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->frequency_ppm, 3.5);
  EXPECT_DOUBLE_EQ(r->error_ppm, 2.0);
}

void expect_error(const std::string& text, const std::string& fragment) {
  Result<DriftState> r = parse_drift(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
}

TEST(DriftFileTest, RejectsBadInputWithAClearMessage) {
  expect_error("", "empty");
  expect_error("frequency_ppm 1\n", "header");
  expect_error("kairos-drift 2\n", "version");
  expect_error("kairos-drift 1\nerror_ppm 1\n", "frequency_ppm missing");
  expect_error("kairos-drift 1\nfrequency_ppm 1\n", "error_ppm missing");
  expect_error("kairos-drift 1\nfrequency_ppm 1\nfrequency_ppm 2\n", "duplicate");
  expect_error("kairos-drift 1\nfrequency_ppm 600\n", "±500");
  expect_error("kairos-drift 1\nerror_ppm -1\n", "[0, 1000]");
  expect_error("kairos-drift 1\nfrequency_ppm 1x\n", "line 2");
  expect_error("kairos-drift 1\nfrequency_ppm inf\n", "finite");
  expect_error("kairos-drift 1\nfrequency_ppm\n", "key value");
  expect_error("kairos-drift 1\ncolour blue\n", "unknown key");
  expect_error(std::string(5000, '#'), "limit");
}

}  // namespace
}  // namespace kairos::sync
