// Sequencer: named sequences of strictly increasing uint64 numbers, durable by block.
//
// A sequence is created on first use and starts at 1. For each name the store holds a
// bound: every number served has value < bound. Before serving past it the sequencer
// writes bound = next + count + block (one store write per block, not per number); after a
// crash a sequence resumes at the stored bound, so numbers are never reissued and the gap
// is at most one block. Numbers are unique and increasing, not gapless.
//
// Names: 1..64 characters from [A-Za-z0-9_.-], starting with a letter or digit.
//
// Thread safety: every method may be called from any thread (one mutex; a store write
// happens under it once per block).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "kairos/status.h"
#include "tso/advance_mark.h"
#include "tso/store.h"

namespace kairos::tso {

struct SequencerOptions {
  std::uint64_t block = 1'000'000;      // numbers reserved per store write, >= 1
  std::uint64_t max_count = 1'000'000;  // numbers per request, >= 1
  std::size_t max_names = 10'000;       // distinct sequences, >= 1
};

Status validate(const SequencerOptions& options);
// InvalidArgument naming what is wrong with `name`.
Status validate_sequence_name(std::string_view name);

class Sequencer {
 public:
  // `store` must outlive the sequencer.
  Sequencer(Store& store, SequencerOptions options);

  // Reserves `count` consecutive numbers of sequence `name` and returns the first.
  Result<std::uint64_t> next(std::string_view name, std::uint64_t count);

  // Forgets what is in memory and serves again, reloading each name from the store
  // (after winning leadership). stop_serving makes next() fail with `why`.
  void recover();
  void stop_serving(Status why);

 private:
  struct State {
    std::uint64_t next = 0;  // first unserved number
    KnownMark bound;         // the stored bound: next may grow up to bound.value
  };

  const SequencerOptions options_;
  Store& store_;
  std::mutex mu_;
  bool serving_ = true;                             // guarded by mu_
  Status stopped_;                                  // guarded by mu_
  std::map<std::string, State, std::less<>> seqs_;  // guarded by mu_
};

}  // namespace kairos::tso
