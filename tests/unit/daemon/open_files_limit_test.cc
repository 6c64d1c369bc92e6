#include "daemon/open_files_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace kairos::daemon {
namespace {

TEST(OpenFilesLimit, RaisesTheSoftLimitToTheHardOne) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GT(limit.rlim_max, 64u);
  const rlim_t hard = limit.rlim_max;
  limit.rlim_cur = 64;  // lowering the soft limit needs no privilege
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);

  Result<OpenFilesLimit> raised = raise_open_files_limit();
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  EXPECT_EQ(raised->before, 64u);
  EXPECT_EQ(raised->now, hard);
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, hard);

  // Already there: nothing to do, and it says so.
  Result<OpenFilesLimit> again = raise_open_files_limit();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->before, again->now);
}

}  // namespace
}  // namespace kairos::daemon
