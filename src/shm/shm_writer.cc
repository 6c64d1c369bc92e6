#include "shm/shm_writer.h"

#include "shm/record_builder.h"

namespace kairos::shm {

Status validate_writer_options(const ShmWriterOptions& options) {
  if (Status s = validate_shm_name(options.name); !s.ok()) return s;
  if (options.heartbeat_interval <= Duration(0)) {
    return Status::InvalidArgument("shm heartbeat_interval must be positive");
  }
  if (options.stale_after <= options.heartbeat_interval) {
    return Status::InvalidArgument("shm stale_after (" + format_duration(options.stale_after) +
                                   ") must be longer than heartbeat_interval (" +
                                   format_duration(options.heartbeat_interval) + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ShmWriter>> ShmWriter::create(const ShmWriterOptions& options,
                                                     const Clock& clock) {
  if (Status s = validate_writer_options(options); !s.ok()) return s;
  Result<std::unique_ptr<ShmSegment>> segment = ShmSegment::create(options.name, options.stale_after);
  if (!segment.ok()) return segment.status();
  std::unique_ptr<ShmWriter> w(new ShmWriter(options, clock, std::move(*segment)));
  ClockSnapshot unsynchronized;
  unsynchronized.system_ref = clock.realtime();
  unsynchronized.status = SyncStatus::kUnsynchronized;
  unsynchronized.leap = Leap::kUnknown;
  w->publish(unsynchronized);
  return w;
}

ShmWriter::ShmWriter(ShmWriterOptions options, const Clock& clock,
                     std::unique_ptr<ShmSegment> segment)
    : options_(std::move(options)), clock_(clock), segment_(std::move(segment)) {}

ShmWriter::~ShmWriter() { shutdown(); }

void ShmWriter::publish(const ClockSnapshot& snapshot) {
  if (shut_down_) return;
  last_snapshot_ = snapshot;
  write(snapshot);
}

void ShmWriter::heartbeat() {
  if (shut_down_) return;
  write(last_snapshot_);
}

void ShmWriter::shutdown() {
  if (shut_down_) return;
  ClockSnapshot s = last_snapshot_;
  s.status = SyncStatus::kUnsynchronized;
  s.leap = Leap::kUnknown;
  write(s);
  shut_down_ = true;
  (void)segment_->unlink();
}

void ShmWriter::write(const ClockSnapshot& snapshot) {
  segment_->write([&] {
    const UnixTime at_clock = clock_.realtime();
    // The clock's shift from the system scale (zero unless it is a ShiftedClock).
    const Duration shift = clock_.from_system_realtime(at_clock) - at_clock;
    const UnixTime at_system = at_clock - shift;
    const shm_layout::RecordValue* prev = written_ ? &segment_->last() : nullptr;
    return build_record(snapshot, at_system, at_clock, clock_.rate_vs_system_ppm(), prev,
                        options_.heartbeat_interval);
  });
  written_ = true;
}

}  // namespace kairos::shm
