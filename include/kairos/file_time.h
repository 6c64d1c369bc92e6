// FileTimeSource: time from a file on shared storage (NFS, SAN). The storage server stamps
// every write with its own clock, so rewriting a file and reading its mtime back measures
// this host's clock against the storage's: machines sharing a volume agree within about
// the storage's timestamp granularity, with no NTP path (docs/file-time.md).
//
// Each check (every `check_interval`, on the source's own thread): local clock t1, rewrite
// and fsync this node's probe file, stat it, local clock t2;
//   offset      = mtime − (t1 + t2)/2      (reference − local: positive means behind)
//   uncertainty = (t2 − t1)/2 + granularity (calibrated on the first check: 1 s on some
//                                            NFS setups, one kernel tick on ext4/tmpfs)
// Checks feed the same clock filter, frequency estimate and error bound as NTP samples;
// now() reads the resulting virtual clock and its bound, which grows between checks.
//
// Alarms (reported through the log callback and status(), the sample is not used): an
// |offset| above max_offset, or an offset moving faster than max_drift_ppm between checks.
// Errors (the same way; the source is unreachable until a check works again): the file
// cannot be written or stat'ed (vanished, read-only, permissions), or its mtime does not
// move. Nothing here throws or aborts on a storage failure.
//
// Units: UnixTime is nanoseconds since the Unix epoch (UTC, POSIX scale); Duration is
// signed nanoseconds.
//
// Thread safety: every method may be called from any thread. The log callback runs on the
// checking thread (or the caller of check_now()), one call at a time, without any internal
// lock held, so it may call now() or status().
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos {

struct FileTimeSettings {
  // A directory on the shared volume (this node's probe file ".kairos-probe.<hostname>"
  // is created inside, so nodes never rewrite each other's file), or an existing file.
  std::filesystem::path path;
  // Time between checks (> 0).
  Duration check_interval = seconds(16);
  // Alarm when |reference − local| exceeds this (> 0).
  Duration max_offset = seconds(1);
  // Alarm when the offset moves faster than this between checks, beyond what the two
  // checks' uncertainties explain (ppm, > 0).
  double max_drift_ppm = 500.0;
  // The local clock; must outlive the source. Tests inject a ManualClock or ShiftedClock.
  const Clock* clock = &SystemClock::instance();
  // Receives what the source does: calibration, checks, alarms and errors (is_error).
  // May be empty.
  std::function<void(std::string_view message, bool is_error)> log;
};

class FileTimeSource {
 public:
  // The adjusted time: true time is within [time − error_bound, time + error_bound].
  struct Reading {
    UnixTime time{};
    Duration error_bound{0};
    // kSynchronized: the latest check was used. kFreeRunning: checks stopped working (or
    // raised alarms) after an earlier success; the bound keeps growing with time.
    SyncStatus status = SyncStatus::kUnsynchronized;
  };

  struct State {
    bool running = false;
    bool reachable = false;    // the latest check measured (no error)
    std::string last_error;    // the latest check's error; empty when it measured
    std::string alarm;         // the latest check's alarm; empty when it had none
    std::uint64_t checks = 0;  // checks done, successful or not
    Duration granularity{0};   // the storage's timestamp granularity; 0 until calibrated
    Duration offset{0};        // latest measured reference − local (valid if reachable)
    Duration uncertainty{0};   // its half-width
    SyncStatus sync = SyncStatus::kUnsynchronized;
  };

  // Checks nothing yet: start() begins the checks.
  explicit FileTimeSource(FileTimeSettings settings);
  // Stops.
  ~FileTimeSource();
  FileTimeSource(const FileTimeSource&) = delete;
  FileTimeSource& operator=(const FileTimeSource&) = delete;

  // Starts the checking thread; the first check runs at once. Calling it while running
  // changes nothing. Errors: invalid settings (InvalidArgument, naming the setting).
  Status start();
  // Ends the thread, promptly (an ongoing check finishes first). Safe to call twice, or
  // without start().
  void stop();

  // The adjusted time now. Errors, until a check was used: none has run yet, or the
  // latest raised an alarm (FailedPrecondition, naming it), or failed (Unavailable, with
  // its error). After one used check it always answers, from the latest snapshot: a
  // failing source gives kFreeRunning readings whose bound keeps growing; after stop() it
  // answers from the last snapshot, whose bound keeps growing too.
  Result<Reading> now() const;
  State status() const;

  // Runs one check on the calling thread now, whether or not the thread runs (tests, or a
  // caller that wants a fresh measurement). Returns the check's error or alarm as a Status
  // (Unavailable, FailedPrecondition, or OutOfRange for an alarm), Ok when it was used.
  Status check_now();

  // Internal: the implementation, and a constructor tests use to inject a storage fault.
  class Impl;
  explicit FileTimeSource(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kairos
