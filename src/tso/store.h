// Store: where the timestamp oracle and the sequencer keep their high-water marks, so that
// after any crash they restart above everything they may have served.
//
// A store maps keys to uint64 marks: "ts" holds the physical millisecond bound of the
// timestamp window, "seq/<name>" the bound of a sequence's block. An absent key reads 0.
// Writes are compare-and-set: a write names the value it expects to replace, so a writer
// that lost its right to write (a deposed leader, a second process) is refused rather
// than moving a mark behind someone else's back. A write that returns OK is durable.
//
// Implementations: FileStore (file_store.h, the embedded default) and the etcd store.
//
// Thread safety: implementations allow calls from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos::tso {

inline constexpr std::string_view kTimestampKey = "ts";
inline constexpr std::string_view kSequenceKeyPrefix = "seq/";

class Store {
 public:
  virtual ~Store() = default;
  // The mark under `key`, 0 if it was never written. Unavailable if the store cannot be
  // read now.
  virtual Result<std::uint64_t> load(std::string_view key) = 0;
  // Sets `key` to `value` if it still holds `expected`, durably, before returning OK.
  // FailedPrecondition when the mark is not `expected` (someone else wrote it, or this
  // writer was fenced off); Unavailable on I/O or network failure. A store that knows only
  // this writer can have moved the mark (etcd, under the writer's fence: an earlier write
  // applied although its answer was lost) answers OK if it holds `value`, else Unavailable.
  virtual Status compare_and_set(std::string_view key, std::uint64_t expected,
                                 std::uint64_t value) = 0;
  // "file /var/lib/kairos/tso.hwm", "etcd http://127.0.0.1:2379 /kairos/": for logs.
  virtual std::string describe() const = 0;
};

}  // namespace kairos::tso
