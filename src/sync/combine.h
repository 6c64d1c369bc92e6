// Combining (RFC 5905 §11.2.3): the survivors' offsets averaged with weights
// 1/distance, and the system peer (the survivor with the lowest stratum, then the least
// distance) whose reference data the node serves downstream.
//
// Units: offsets reference − system at `now`; jitter is the weighted RMS difference of
// the survivors' offsets from the system peer's.
// Thread safety: a pure function.
#pragma once

#include <span>

#include "sync/selection.h"

namespace kairos::sync {

struct Combined {
  bool found = false;  // false: no survivor
  int peer = -1;       // index into the candidates of the system peer
  Duration offset{0};  // weighted mean offset
  Duration jitter{0};  // system (selection) jitter
};

Combined combine(std::span<const Candidate> candidates);

}  // namespace kairos::sync
