// ShmSegment: the writer's side of the bounded-clock segment (layout in
// include/kairos/bounded_clock.h, docs/shm-format.md). It creates the POSIX shared-memory
// object, fills the header, and writes records under the seqlock. Destroying it unmaps
// the segment and unlinks the name if still linked.
//
// Thread safety: write() from one thread at a time (the single writer); readers in any
// process read concurrently without locks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "kairos/bounded_clock.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::shm {

// A POSIX shm name: "/" and 1-254 characters, no other "/".
Status validate_shm_name(std::string_view name);

class ShmSegment {
 public:
  // Creates `name` (mode 0644). A leftover segment whose writer is gone is replaced; one
  // whose writer process is alive is an error naming its pid.
  static Result<std::unique_ptr<ShmSegment>> create(const std::string& name, Duration stale_after);
  ~ShmSegment();
  ShmSegment(const ShmSegment&) = delete;
  ShmSegment& operator=(const ShmSegment&) = delete;

  // One seqlock write: marks the record busy (readers retry), then calls
  // `fill() -> shm_layout::RecordValue` (which may read clocks: its readings come after
  // every read that validated the previous record), stores the result with release
  // stores (pairing with the readers' acquire loads), marks it done.
  template <typename Fill>
  void write(Fill&& fill) {
    shm_layout::Record& rec = seg_->record;
    const std::uint64_t s = rec.sequence.load(std::memory_order_relaxed);
    // A full barrier (xchg on x86): the odd sequence is visible before fill() reads clocks.
    rec.sequence.exchange(s + 1, std::memory_order_seq_cst);
    last_ = fill();
    store_words(last_);
    rec.sequence.store(s + 2, std::memory_order_release);
  }

  // The record last written by this writer.
  const shm_layout::RecordValue& last() const { return last_; }
  const std::string& name() const { return name_; }
  // Removes the name (new readers get "no segment"); mapped readers keep the memory.
  Status unlink();

 private:
  ShmSegment(std::string name, shm_layout::Segment* seg) : name_(std::move(name)), seg_(seg) {}
  void store_words(const shm_layout::RecordValue& r);

  std::string name_;
  shm_layout::Segment* seg_;
  bool linked_ = true;
  shm_layout::RecordValue last_;
};

}  // namespace kairos::shm
