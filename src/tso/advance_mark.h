// advance_mark: moves a high-water mark in a Store forward, also after a write whose
// answer was lost.
//
// A write that times out or loses its connection may still have been applied (etcd
// applies a txn whose reply never arrived). The writer's next compare-and-set, expecting
// the old value, would then be refused as if another writer had moved the mark, and the
// oracle would stop serving for good while still the leader. So a failed write marks the
// writer's view unknown, and the next advance reads the store first. Only this writer can
// have moved the mark meanwhile: the stores fence every other writer (etcd by the leader's
// term, the file store by its lock), and the write that follows is fenced again.
//
// Thread safety: none of its own; callers serialize the writes to one mark.
#pragma once

#include <cstdint>
#include <string_view>

#include "kairos/status.h"
#include "tso/store.h"

namespace kairos::tso {

// What a writer knows of one stored mark.
struct KnownMark {
  std::uint64_t value = 0;  // what the store held after this writer's last confirmed write
  bool unknown = false;     // a later write failed: the store may hold that write's value
};

// Sets `key` to at least `target` and returns the value stored (>= target; more when a
// lost write had gone further). FailedPrecondition: the mark is not this writer's to move
// any more (another writer, a fenced leader, or a store that went backwards); stop
// serving from it. Any other error leaves `known` unknown, to be read again next time.
Result<std::uint64_t> advance_mark(Store& store, std::string_view key, KnownMark& known,
                                   std::uint64_t target);

}  // namespace kairos::tso
