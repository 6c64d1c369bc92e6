#include "sources/file_probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace kairos::sources {
namespace {

Status errno_status(const std::string& what, const std::string& path, int err) {
  return Status::Unavailable(what + " " + path + ": " + std::strerror(err));
}

// The rounding unit of an mtime's nanoseconds: 1 s if they are 0, 1 ms if a multiple of
// 10^6, 1 us if a multiple of 10^3, else 1 ns.
Duration rounding_unit(UnixTime t) {
  const std::int64_t sub = t.time_since_epoch().count() % 1'000'000'000;
  if (sub == 0) return std::chrono::seconds(1);
  if (sub % 1'000'000 == 0) return std::chrono::milliseconds(1);
  if (sub % 1'000 == 0) return std::chrono::microseconds(1);
  return std::chrono::nanoseconds(1);
}

}  // namespace

Result<UnixTime> PosixProbeFile::rewrite_and_stat() {
  const int fd =
      ::open(path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | (create_ ? O_CREAT : 0), 0644);
  if (fd < 0) return errno_status("cannot open probe file", path_.string(), errno);
  const std::string content = "kairos file-time probe " + std::to_string(++counter_) + "\n";
  Status result = Status::Ok();
  struct stat st {};
  if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    result = errno_status("cannot write probe file", path_.string(), errno);
  } else if (::fsync(fd) != 0) {
    result = errno_status("cannot fsync probe file", path_.string(), errno);
  } else if (::fstat(fd, &st) != 0) {
    result = errno_status("cannot stat probe file", path_.string(), errno);
  }
  ::close(fd);
  if (!result.ok()) return result;
  return UnixTime(std::chrono::seconds(st.st_mtim.tv_sec) +
                  std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

Duration PosixProbeFile::stamp_lag() const {
  timespec tick{};
  if (::clock_getres(CLOCK_REALTIME_COARSE, &tick) != 0) return std::chrono::milliseconds(10);
  return 2 * (std::chrono::seconds(tick.tv_sec) + std::chrono::nanoseconds(tick.tv_nsec));
}

ProbeLocation::ProbeLocation(std::filesystem::path path)
    : path_(std::move(path)),
      in_directory_(probe_path_for_this_node(path_)),
      as_file_(path_, /*create=*/false) {}

Result<UnixTime> ProbeLocation::rewrite_and_stat() {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path_, ec);
  if (std::filesystem::is_directory(st)) return in_directory_.rewrite_and_stat();
  if (std::filesystem::exists(st)) return as_file_.rewrite_and_stat();
  const int err = ec ? ec.value() : ENOENT;
  return Status::Unavailable("cannot use probe path " + path_.string() + ": " + std::strerror(err) +
                             " (a file source needs an existing "
                             "directory or file)");
}

std::filesystem::path probe_path_for_this_node(const std::filesystem::path& directory) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "unknown");
  return directory / (std::string(".kairos-probe.") + host);
}

Result<Duration> FileProbe::detect_granularity(int max_writes) {
  constexpr int kMinSamples = 64;
  constexpr int kMinChanges = 3;
  std::optional<UnixTime> previous;
  Duration smallest_step = Duration::max();
  // The coarsest unit every mtime is a multiple of (one odd mtime rules a unit out).
  Duration unit = std::chrono::seconds(1);
  // Spread of mtime − midpoint: the true offset is constant over the calibration, so the
  // spread is what the storage's stamping (rounding, a lagging coarse clock) adds.
  Duration lowest = Duration::max();
  Duration highest = Duration::min();
  int changes = 0;
  int samples = 0;
  for (; samples < max_writes && (changes < kMinChanges || samples < kMinSamples); ++samples) {
    const UnixTime t1 = clock_.realtime();
    Result<UnixTime> m = file_.rewrite_and_stat();
    const UnixTime t2 = clock_.realtime();
    if (!m.ok()) return m.status();
    const Duration offset = *m - (t1 + (t2 - t1) / 2);
    lowest = std::min(lowest, offset);
    highest = std::max(highest, offset);
    unit = std::min(unit, rounding_unit(*m));
    if (previous && *m != *previous) {
      smallest_step = std::min(smallest_step, *m > *previous ? *m - *previous : *previous - *m);
      ++changes;
    }
    previous = *m;
  }
  if (changes == 0) {
    return Status::FailedPrecondition("mtime of " + file_.name() + " did not change in " +
                                      std::to_string(samples) + " writes");
  }
  granularity_ = std::max({smallest_step, unit, highest - lowest, file_.stamp_lag()});
  return granularity_;
}

Result<FileSample> FileProbe::check() {
  const UnixTime t1 = clock_.realtime();
  Result<UnixTime> mtime = file_.rewrite_and_stat();
  const UnixTime t2 = clock_.realtime();
  if (!mtime.ok()) return mtime.status();
  // A write must move the mtime once more than a granule has passed since the last one.
  if (last_mtime_ && *mtime == *last_mtime_ && t2 - *last_local_ > 2 * granularity_) {
    return Status::FailedPrecondition("mtime of " + file_.name() + " did not move after a write (" +
                                      format_duration(t2 - *last_local_) +
                                      " after the previous one): the storage clock is stuck");
  }
  last_mtime_ = *mtime;
  last_local_ = t2;
  FileSample s;
  const Duration half = (t2 - t1) / 2;
  s.local_midpoint = t1 + half;
  s.mtime = *mtime;
  s.offset = *mtime - s.local_midpoint;
  s.uncertainty = half + granularity_;
  return s;
}

}  // namespace kairos::sources
