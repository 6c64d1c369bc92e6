// FileProbe: measures this host's clock against the clock of a file's storage (an NFS or
// SAN server stamps every write with its own time).
//
// One check: read the local clock (t1), rewrite the probe file and fsync it, stat it, read
// the local clock (t2). The storage stamped the mtime somewhere in [t1, t2] by its clock,
// so   offset = mtime − (t1 + t2)/2   (reference − local: positive means the local clock
// is behind) and   uncertainty = (t2 − t1)/2 + granularity, where granularity is the
// storage's timestamp resolution (1 s on some NFS setups; one kernel tick on local file
// systems, whose mtimes come from the coarse clock).
//
// The probe reads the local clock through a Clock (so --sim-clock-offset shifts it), and
// never maps the mtime: it is the reference.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "kairos/clock.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::sources {

// The file operation a check needs, behind an interface so tests can inject faults.
class ProbeFile {
 public:
  virtual ~ProbeFile() = default;
  // Rewrites the file (create if missing), fsyncs it, and returns its mtime.
  virtual Result<UnixTime> rewrite_and_stat() = 0;
  // A name for messages.
  virtual std::string name() const = 0;
  // The most a stamp may lag the write it records, known without measuring. A lag that
  // comes rarely (1 write in 100) is missed by a short calibration, so it is a floor.
  virtual Duration stamp_lag() const = 0;
};

// The real thing: open(O_TRUNC, and O_CREAT unless `create` is false), write a counter,
// fsync, fstat, close.
class PosixProbeFile final : public ProbeFile {
 public:
  explicit PosixProbeFile(std::filesystem::path path, bool create = true)
      : path_(std::move(path)), create_(create) {}
  Result<UnixTime> rewrite_and_stat() override;
  std::string name() const override { return path_.string(); }
  // Two ticks of the kernel's coarse clock (clock_getres(CLOCK_REALTIME_COARSE): 4 ms at
  // HZ=250). Linux stamps file times from that clock, which is up to a tick old, more
  // when the tick comes late (4.14 ms seen at a 4 ms tick). With multigrain stamps (6.13
  // on) a stamp after an fstat is fine-grained, yet about 1 write in 100 here still got
  // a coarse one. A Linux NFS server stamps from its own coarse clock, whose tick this
  // host's stands in for.
  Duration stamp_lag() const override;

 private:
  std::filesystem::path path_;
  bool create_;
  std::uint64_t counter_ = 0;
};

// The configured location of a file source: a directory (this node's probe file is
// created inside it) or an existing file, rewritten in place. Resolved on every write, so
// a directory that vanishes, or a path that never existed, is an error (Unavailable) and
// never a stray file created on the local disk in its place.
class ProbeLocation final : public ProbeFile {
 public:
  explicit ProbeLocation(std::filesystem::path path);
  Result<UnixTime> rewrite_and_stat() override;
  std::string name() const override { return path_.string(); }
  Duration stamp_lag() const override { return as_file_.stamp_lag(); }

 private:
  std::filesystem::path path_;
  PosixProbeFile in_directory_;
  PosixProbeFile as_file_;
};

// The probe file for this node inside `directory`: ".kairos-probe.<hostname>", so nodes
// sharing a directory do not rewrite each other's file.
std::filesystem::path probe_path_for_this_node(const std::filesystem::path& directory);

struct FileSample {
  UnixTime local_midpoint{};  // (t1 + t2)/2 on the local clock
  UnixTime mtime{};           // the storage's stamp
  Duration offset{0};         // mtime − local_midpoint
  Duration uncertainty{0};    // (t2 − t1)/2 + granularity
};

class FileProbe {
 public:
  // `file` and `clock` must outlive the probe.
  FileProbe(ProbeFile& file, const Clock& clock) : file_(file), clock_(clock) {}

  // Rewrites the file (at least 64 times and until the mtime changed 3 times, at most
  // `max_writes`) and returns the storage's timestamp granularity: the largest of the
  // smallest nonzero mtime step, the unit all mtimes are rounded to (1 s, 1 ms, 1 us),
  // the spread of mtime − midpoint over the writes (a coarse kernel clock can lag by
  // more than one tick), and the file's stamp_lag(). Conservative: it never
  // underestimates what it saw, nor what is known to come unseen.
  Result<Duration> detect_granularity(int max_writes);
  void set_granularity(Duration g) { granularity_ = g; }
  Duration granularity() const { return granularity_; }

  // One measurement. Errors: the file cannot be written or stat'ed (Unavailable), or its
  // mtime did not move although more than the granularity passed since the last check
  // (FailedPrecondition: a stuck or read-only clock on the storage side).
  Result<FileSample> check();

 private:
  ProbeFile& file_;
  const Clock& clock_;
  Duration granularity_ = std::chrono::seconds(1);
  std::optional<UnixTime> last_mtime_;
  std::optional<UnixTime> last_local_;
};

}  // namespace kairos::sources
