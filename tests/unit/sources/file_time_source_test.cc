#include "sources/file_time_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "kairos/file_time.h"
#include "unit/sources/fake_storage.h"

namespace kairos {
namespace {

// Collects the log callback's lines; wait_for() blocks (bounded) until one matches.
class LogRecorder {
 public:
  std::function<void(std::string_view, bool)> callback() {
    return [this](std::string_view m, bool is_error) {
      std::lock_guard lk(mu_);
      lines_.push_back({std::string(m), is_error});
      cv_.notify_all();
    };
  }
  int count(const std::string& part, bool errors_only = false) const {
    std::lock_guard lk(mu_);
    int n = 0;
    for (const auto& l : lines_) {
      if (l.text.find(part) != std::string::npos && (!errors_only || l.is_error)) ++n;
    }
    return n;
  }
  bool wait_for(const std::string& part) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(30), [&] {
      for (const auto& l : lines_) {
        if (l.text.find(part) != std::string::npos) return true;
      }
      return false;
    });
  }

 private:
  struct Line {
    std::string text;
    bool is_error;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Line> lines_;
};

class FileTimeSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kairos-file-time-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FileTimeSettings settings(const Clock& clock) {
    FileTimeSettings s;
    s.path = dir_;
    s.check_interval = hours(1);  // the thread's first check only; tests call check_now()
    s.max_offset = seconds(10);
    s.clock = &clock;
    s.log = log_.callback();
    return s;
  }

  // A source over FakeStorage on a ManualClock.
  std::unique_ptr<FileTimeSource> fake_source(FileTimeSettings s, Duration storage_offset) {
    auto storage = std::make_unique<sources::FakeStorage>(manual_, storage_offset, milliseconds(2),
                                                          nanoseconds(1));
    storage_ = storage.get();
    return sources::make_file_time_source(std::move(s), std::move(storage));
  }

  std::filesystem::path dir_;
  LogRecorder log_;
  ManualClock manual_;
  sources::FakeStorage* storage_ = nullptr;
};

TEST_F(FileTimeSourceTest, StartTwiceChangesNothingStopTwiceIsSafe) {
  FileTimeSource source(settings(SystemClock::instance()));
  ASSERT_TRUE(source.start().ok());
  ASSERT_TRUE(source.start().ok());
  EXPECT_EQ(log_.count("file time: checking"), 1);
  ASSERT_TRUE(log_.wait_for("offset")) << "the thread's first check runs at once";
  EXPECT_TRUE(source.status().running);
  source.stop();
  source.stop();
  EXPECT_EQ(log_.count("stopped checking"), 1);
  EXPECT_FALSE(source.status().running);
  EXPECT_EQ(source.status().checks, 1u) << "one thread, one immediate check, then a 1 h wait";
  // It can run again after a stop.
  ASSERT_TRUE(source.start().ok());
  EXPECT_EQ(log_.count("file time: checking"), 2);
}

TEST_F(FileTimeSourceTest, TheDestructorStops) {
  {
    FileTimeSource source(settings(SystemClock::instance()));
    ASSERT_TRUE(source.start().ok());
  }
  EXPECT_EQ(log_.count("stopped checking"), 1);
}

TEST_F(FileTimeSourceTest, InvalidSettingsAreRejectedByName) {
  FileTimeSettings s = settings(SystemClock::instance());
  s.path.clear();
  Status st = FileTimeSource(s).start();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("path"), std::string::npos);
  s = settings(SystemClock::instance());
  s.check_interval = Duration(0);
  st = FileTimeSource(s).start();
  EXPECT_NE(st.message().find("check_interval"), std::string::npos);
  s = settings(SystemClock::instance());
  s.max_drift_ppm = -1;
  st = FileTimeSource(s).start();
  EXPECT_NE(st.message().find("max_drift_ppm"), std::string::npos);
  s = settings(SystemClock::instance());
  s.clock = nullptr;
  EXPECT_EQ(FileTimeSource(s).start().code(), StatusCode::kInvalidArgument);
}

TEST_F(FileTimeSourceTest, NowBeforeTheFirstCheckIsAnError) {
  auto source = fake_source(settings(manual_), milliseconds(40));
  Result<FileTimeSource::Reading> r = source->now();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("no check"), std::string::npos);

  ASSERT_TRUE(source->check_now().ok());
  r = source->now();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, SyncStatus::kSynchronized);
  // The storage is 40 ms ahead of the manual clock: the adjusted time follows it.
  EXPECT_LE(abs(r->time - (manual_.realtime() + milliseconds(40))), r->error_bound);
  EXPECT_LT(r->error_bound, milliseconds(5));
}

// The kernel stamps a local file with the machine's true clock; a process whose clock is
// shifted must see its own shift corrected, within the bound it reports.
TEST_F(FileTimeSourceTest, TheBoundContainsTheTruthWithAShiftedClock) {
  for (Duration shift : {Duration(milliseconds(250)), Duration(seconds(-3))}) {
    ShiftedClock shifted(SystemClock::instance(), shift, 0.0);
    FileTimeSource source(settings(shifted));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(source.check_now().ok());
    const FileTimeSource::State st = source.status();
    EXPECT_TRUE(st.reachable);
    EXPECT_GT(st.granularity, Duration(0));
    EXPECT_LE(abs(st.offset - (-shift)), st.uncertainty)
        << "offset " << format_duration(st.offset) << " ± " << format_duration(st.uncertainty);

    const UnixTime before = SystemClock::instance().realtime();
    Result<FileTimeSource::Reading> r = source.now();
    const UnixTime after = SystemClock::instance().realtime();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, SyncStatus::kSynchronized);
    // True time at the reading lies in [before, after]; the interval must reach it.
    EXPECT_LE(r->time - r->error_bound, after) << "shift " << format_duration(shift);
    EXPECT_GE(r->time + r->error_bound, before) << "shift " << format_duration(shift);
    // Below the smaller shift, so containing the truth means the shift was measured.
    EXPECT_LT(r->error_bound, milliseconds(200)) << "a local disk gives a tight bound";
    std::printf("shift %s: measured offset %s ± %s, granularity %s, now() − true %s, bound %s\n",
                format_duration(shift).c_str(), format_duration(st.offset).c_str(),
                format_duration(st.uncertainty).c_str(), format_duration(st.granularity).c_str(),
                format_duration(r->time - (before + (after - before) / 2)).c_str(),
                format_duration(r->error_bound).c_str());
  }
}

TEST_F(FileTimeSourceTest, AnOffsetAboveMaxOffsetIsAnAlarmNotACorrection) {
  FileTimeSettings s = settings(manual_);
  s.max_offset = seconds(1);
  auto source = fake_source(s, seconds(3));
  const Status st = source->check_now();
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log_.count("ALARM", /*errors_only=*/true), 1);
  EXPECT_EQ(log_.count("exceeds the allowed 1s", true), 1);
  EXPECT_NE(source->status().alarm.find("exceeds"), std::string::npos);
  Result<FileTimeSource::Reading> r = source->now();
  ASSERT_FALSE(r.ok()) << "the alarmed sample must not set the clock";
  EXPECT_NE(r.status().message().find("alarm"), std::string::npos);
}

TEST_F(FileTimeSourceTest, DriftAboveMaxDriftIsAnAlarm) {
  auto source = fake_source(settings(manual_), Duration(0));
  ASSERT_TRUE(source->check_now().ok());
  manual_.advance(seconds(16));
  storage_->offset = milliseconds(100);  // 100 ms in 16 s: 6250 ppm, allowed 500
  const Status st = source->check_now();
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.message().find("ppm"), std::string::npos);
  EXPECT_EQ(log_.count("ALARM: offset moved", true), 1);
  EXPECT_NE(source->status().alarm.find("allowed 500 ppm"), std::string::npos);
  // The earlier fix stands: the alarmed sample moved nothing.
  Result<FileTimeSource::Reading> r = source->now();
  ASSERT_TRUE(r.ok());
  EXPECT_LE(abs(r->time - manual_.realtime()), r->error_bound);
}

TEST_F(FileTimeSourceTest, AVanishedDirectoryIsAnErrorAndTheSourceUnreachable) {
  FileTimeSource source(settings(SystemClock::instance()));
  ASSERT_TRUE(source.check_now().ok());
  std::filesystem::remove_all(dir_);
  const Status st = source.check_now();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("No such file or directory"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(dir_.string()), std::string::npos) << st.message();
  EXPECT_EQ(log_.count("unreachable", true), 1);
  const FileTimeSource::State state = source.status();
  EXPECT_FALSE(state.reachable);
  EXPECT_EQ(state.last_error, st.message());
  EXPECT_FALSE(std::filesystem::exists(dir_)) << "no stray file in the directory's place";
  // The earlier fix still gives an honest bound.
  const UnixTime before = SystemClock::instance().realtime();
  Result<FileTimeSource::Reading> r = source.now();
  const UnixTime after = SystemClock::instance().realtime();
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->time - r->error_bound, after);
  EXPECT_GE(r->time + r->error_bound, before);
}

TEST_F(FileTimeSourceTest, ADirectoryMissingFromTheStartIsUnavailable) {
  FileTimeSettings s = settings(SystemClock::instance());
  s.path = dir_ / "never";
  FileTimeSource source(s);
  EXPECT_EQ(source.check_now().code(), StatusCode::kUnavailable);
  Result<FileTimeSource::Reading> r = source.now();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("No such file or directory"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "never"));
}

TEST_F(FileTimeSourceTest, AStuckMtimeIsAnError) {
  auto source = fake_source(settings(manual_), Duration(0));
  ASSERT_TRUE(source->check_now().ok());
  storage_->stuck = true;
  manual_.advance(seconds(16));
  const Status st = source->check_now();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("did not move"), std::string::npos);
  EXPECT_EQ(log_.count("did not move", true), 1);
  EXPECT_FALSE(source->status().reachable);
}

TEST_F(FileTimeSourceTest, AReadOnlyStorageIsAnError) {
  auto source = fake_source(settings(manual_), Duration(0));
  storage_->fail_with = Status::Unavailable("cannot open probe file x: Read-only file system");
  EXPECT_EQ(source->check_now().code(), StatusCode::kUnavailable);
  EXPECT_EQ(log_.count("Read-only file system", true), 1);
  EXPECT_EQ(source->now().status().code(), StatusCode::kUnavailable);
  // And it recovers when the storage does.
  storage_->fail_with.reset();
  manual_.advance(seconds(16));
  EXPECT_TRUE(source->check_now().ok());
  EXPECT_TRUE(source->status().reachable);
  EXPECT_TRUE(source->now().ok());
}

}  // namespace
}  // namespace kairos
