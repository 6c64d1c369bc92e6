// The C API: same semantics as the C++ reader, errors as codes with messages.
#include "kairos/bounded_clock_c.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "shm/shm_writer.h"
#include "unit/shm/test_names.h"

namespace kairos::shm {
namespace {

std::int64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

TEST(BoundedClockC, MissingSegmentIsACodeAndAMessage) {
  kairos_clock* c = reinterpret_cast<kairos_clock*>(1);
  char err[256] = {};
  const std::string name = testing::unique_shm_name("c-missing");
  EXPECT_EQ(kairos_open(name.c_str(), &c, err, sizeof err), KAIROS_ENOSEGMENT);
  EXPECT_EQ(c, nullptr);
  EXPECT_NE(std::string(err).find("no bounded-clock segment " + name), std::string::npos);
  EXPECT_STREQ(kairos_strerror(KAIROS_ENOSEGMENT), "no bounded-clock segment");
  EXPECT_STREQ(kairos_strerror(99), "unknown kairos error code");
  EXPECT_EQ(kairos_clock_now(nullptr, nullptr, nullptr, nullptr), KAIROS_EINVAL);
}

TEST(BoundedClockC, ReadsWhatTheWriterPublishes) {
  ShmWriterOptions o;
  o.name = testing::unique_shm_name("c");
  Result<std::unique_ptr<ShmWriter>> w = ShmWriter::create(o, SystemClock::instance());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ClockSnapshot s = local_clock_snapshot(SystemClock::instance().realtime(), 1);
  s.error_bound = milliseconds(50);
  (*w)->publish(s);

  kairos_clock* c = nullptr;
  ASSERT_EQ(kairos_open(o.name.c_str(), &c, nullptr, 0), KAIROS_OK);
  const std::int64_t before = realtime_ns();
  std::int64_t earliest = 0, latest = 0;
  int status = -1;
  ASSERT_EQ(kairos_clock_now(c, &earliest, &latest, &status), KAIROS_OK);
  const std::int64_t after = realtime_ns();
  EXPECT_EQ(status, KAIROS_STATUS_SYNCHRONIZED);
  EXPECT_LE(earliest, before);
  EXPECT_GE(latest, after);
  // 50 ms bound: a second ago is surely past, a second ahead surely future.
  EXPECT_EQ(kairos_after(c, before - 1'000'000'000), 1);
  EXPECT_EQ(kairos_after(c, after + 1'000'000'000), 0);
  EXPECT_EQ(kairos_before(c, after + 1'000'000'000), 1);
  EXPECT_EQ(kairos_before(c, before - 1'000'000'000), 0);
  EXPECT_EQ(kairos_commit_wait(c, before - 1'000'000'000, 0), KAIROS_OK);  // already past
  EXPECT_EQ(kairos_commit_wait(c, after + 1'000'000'000'000, 0), KAIROS_ETIMEOUT);

  // The default segment comes from $KAIROS_SHM_NAME.
  ASSERT_EQ(::setenv("KAIROS_SHM_NAME", o.name.c_str(), 1), 0);
  ASSERT_EQ(kairos_now(&earliest, &latest, &status), KAIROS_OK);
  EXPECT_EQ(status, KAIROS_STATUS_SYNCHRONIZED);

  (*w)->shutdown();
  EXPECT_EQ(kairos_clock_now(c, &earliest, &latest, &status), KAIROS_EUNSYNC);
  EXPECT_EQ(status, KAIROS_STATUS_UNSYNCHRONIZED);
  kairos_close(c);
}

}  // namespace
}  // namespace kairos::shm
