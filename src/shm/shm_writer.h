// ShmWriter: publishes the daemon's clock snapshots into the bounded-clock segment.
//
// - create() makes the segment and writes an unsynchronized record at once.
// - publish(snapshot) writes the snapshot re-anchored at the instant of the write (see
//   build_record); heartbeat() re-publishes the last snapshot so readers know the writer
//   is alive (call it every heartbeat_interval, which must be below stale_after).
// - shutdown() marks the record unsynchronized first, then removes the name; the
//   destructor does the same if shutdown() was not called.
//
// Clock readings: the record is anchored on CLOCK_REALTIME, which readers read. `clock`
// is the daemon's clock; its realtime() is mapped back to the system scale through
// Clock::from_system_realtime (identity for SystemClock and ManualClock).
//
// Thread safety: one thread (the daemon's control loop) calls every method.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/status.h"
#include "shm/shm_segment.h"

namespace kairos::shm {

struct ShmWriterOptions {
  std::string name = "/kairos";
  Duration stale_after = seconds(10);       // readers report stale after this heartbeat age
  Duration heartbeat_interval = seconds(1);  // < stale_after
};

class ShmWriter {
 public:
  // `clock` must outlive the writer.
  static Result<std::unique_ptr<ShmWriter>> create(const ShmWriterOptions& options,
                                                   const Clock& clock);
  ~ShmWriter();
  ShmWriter(const ShmWriter&) = delete;
  ShmWriter& operator=(const ShmWriter&) = delete;

  void publish(const ClockSnapshot& snapshot);
  void heartbeat();
  void shutdown();

  const ShmWriterOptions& options() const { return options_; }
  // What readers see now (the last record written).
  const shm_layout::RecordValue& last_record() const { return segment_->last(); }

 private:
  ShmWriter(ShmWriterOptions options, const Clock& clock, std::unique_ptr<ShmSegment> segment);
  void write(const ClockSnapshot& snapshot);

  ShmWriterOptions options_;
  const Clock& clock_;
  std::unique_ptr<ShmSegment> segment_;
  ClockSnapshot last_snapshot_;
  bool written_ = false;
  bool shut_down_ = false;
};

// Checks options as the config does: a valid name, 0 < heartbeat_interval < stale_after.
Status validate_writer_options(const ShmWriterOptions& options);

}  // namespace kairos::shm
