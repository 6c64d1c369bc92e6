#include "sources/file_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "unit/sources/fake_storage.h"

namespace kairos::sources {
namespace {

TEST(FileProbe, MeasuresTheStorageOffsetWithinItsUncertainty) {
  ManualClock clock;
  FakeStorage storage(clock, milliseconds(-250), milliseconds(4), nanoseconds(1));
  FileProbe probe(storage, clock);
  probe.set_granularity(nanoseconds(1));
  Result<FileSample> s = probe.check();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->offset, milliseconds(-250));
  EXPECT_EQ(s->uncertainty, milliseconds(2) + nanoseconds(1));
}

TEST(FileProbe, CoarseStampsWidenTheUncertaintyEnoughToContainTheTruth) {
  ManualClock clock(UnixTime(seconds(1'767'225'600) + milliseconds(700)), MonoTime(seconds(1)));
  FakeStorage storage(clock, milliseconds(30), milliseconds(2), seconds(1));
  FileProbe probe(storage, clock);
  Result<Duration> g = probe.detect_granularity(2000);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(*g, seconds(1));
  for (int i = 0; i < 50; ++i) {
    clock.advance(milliseconds(137));
    Result<FileSample> s = probe.check();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    // Truth is +30 ms; a 1 s granularity makes single checks far off but never wrong.
    EXPECT_LE(abs(s->offset - milliseconds(30)), s->uncertainty);
  }
}

TEST(FileProbe, GranularityIsTheSmallestStepSeen) {
  ManualClock clock;
  FakeStorage storage(clock, Duration(0), milliseconds(1), milliseconds(4));
  FileProbe probe(storage, clock);
  Result<Duration> g = probe.detect_granularity(100);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, milliseconds(4));
}

// Linux stamps about 1 write in 100 from its coarse clock, up to a tick old: 64
// calibration writes often see none, so the declared lag is a floor.
TEST(FileProbe, ARareLagTheCalibrationMissedStaysWithinTheUncertainty) {
  ManualClock clock;
  FakeStorage storage(clock, milliseconds(-250), microseconds(200), nanoseconds(1));
  storage.lag = milliseconds(4);
  FileProbe probe(storage, clock);
  Result<Duration> g = probe.detect_granularity(100);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(*g, milliseconds(4)) << "the steps seen were 200 us; the declared lag is larger";
  clock.advance(milliseconds(10));
  storage.lag_next = microseconds(3900);
  Result<FileSample> s = probe.check();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->offset, milliseconds(-250) - microseconds(3900));
  EXPECT_LE(abs(s->offset - milliseconds(-250)), s->uncertainty);
}

TEST(FileProbe, WriteErrorsAreUnavailable) {
  ManualClock clock;
  FakeStorage storage(clock, Duration(0), milliseconds(1), nanoseconds(1));
  storage.fail_with = Status::Unavailable("cannot open probe file x: Read-only file system");
  FileProbe probe(storage, clock);
  EXPECT_EQ(probe.check().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(probe.detect_granularity(10).status().code(), StatusCode::kUnavailable);
}

TEST(FileProbe, AnMtimeThatDoesNotMoveIsAnError) {
  ManualClock clock;
  FakeStorage storage(clock, Duration(0), milliseconds(1), nanoseconds(1));
  FileProbe probe(storage, clock);
  probe.set_granularity(milliseconds(10));
  ASSERT_TRUE(probe.check().ok());
  storage.stuck = true;
  clock.advance(seconds(5));
  Result<FileSample> s = probe.check();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("did not move"), std::string::npos);
}

class PosixProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kairos-probe-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// The kernel stamps local mtimes with this machine's own clock: a shifted process clock
// must measure its shift (with the sign reversed: the reference is the true clock).
TEST_F(PosixProbeTest, MeasuresAShiftedProcessClockOnALocalDirectory) {
  PosixProbeFile file(probe_path_for_this_node(dir_));
  for (Duration shift : {Duration(0), Duration(milliseconds(250)), Duration(seconds(-3))}) {
    ShiftedClock clock(SystemClock::instance(), shift, 0.0);
    FileProbe probe(file, clock);
    ASSERT_TRUE(probe.detect_granularity(100'000).ok());
    // Local file systems stamp per tick (4 ms here), but the calibration also counts how
    // long a write took, which a loaded machine stretches: assert only what no scheduler
    // delay explains, that it saw finer than whole-second stamps.
    EXPECT_LT(probe.granularity(), seconds(1)) << "local file systems stamp per tick";
    Result<FileSample> s = probe.check();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_LE(abs(s->offset - (-shift)), s->uncertainty)
        << "shift " << format_duration(shift) << " offset " << format_duration(s->offset)
        << " uncertainty " << format_duration(s->uncertainty);
  }
}

TEST_F(PosixProbeTest, AVanishedDirectoryIsAClearError) {
  PosixProbeFile file(dir_ / "gone" / "probe");
  FileProbe probe(file, SystemClock::instance());
  Result<FileSample> s = probe.check();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(s.status().message().find((dir_ / "gone" / "probe").string()), std::string::npos);
  EXPECT_NE(s.status().message().find("No such file or directory"), std::string::npos);
}

TEST_F(PosixProbeTest, ALocationIsADirectoryOrAnExistingFileNeverAStrayFile) {
  ProbeLocation in_dir(dir_);
  ASSERT_TRUE(in_dir.rewrite_and_stat().ok());
  EXPECT_TRUE(std::filesystem::exists(probe_path_for_this_node(dir_)));

  const std::filesystem::path file = dir_ / "shared-probe";
  { std::ofstream(file) << "x"; }
  ProbeLocation as_file(file);
  ASSERT_TRUE(as_file.rewrite_and_stat().ok());
  EXPECT_EQ(std::filesystem::file_size(file), std::string("kairos file-time probe 1\n").size());

  ProbeLocation missing(dir_ / "unmounted");
  Result<UnixTime> r = missing.rewrite_and_stat();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("No such file or directory"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "unmounted"));
}

TEST_F(PosixProbeTest, ProbeNamesDifferPerNodeAndStayInTheDirectory) {
  const auto p = probe_path_for_this_node(dir_);
  EXPECT_EQ(p.parent_path(), dir_);
  EXPECT_EQ(p.filename().string().rfind(".kairos-probe.", 0), 0u);
}

}  // namespace
}  // namespace kairos::sources
