// Source selection (RFC 5905 §11.2.1–11.2.2): from the candidates' correctness intervals
// [offset − distance, offset + distance], the intersection (Marzullo) algorithm finds the
// smallest number f of falsetickers (f < n/2) such that some interval of points lies in
// n − f correctness intervals; candidates whose interval misses that intersection are
// falsetickers. Clustering then drops, while more than `min_survivors` remain, the
// survivor whose offset is farthest (RMS) from the others, until that selection jitter is
// below the smallest peer jitter.
//
// Units: Durations; offsets reference − system at the same `now` for every candidate.
// Thread safety: pure functions over caller-owned data.
#pragma once

#include <cstdint>
#include <span>

#include "kairos/time.h"

namespace kairos::sync {

enum class Verdict : std::uint8_t {
  kSurvivor,     // truechimer kept by clustering
  kFalseticker,  // interval misses the intersection of the majority
  kOutlier,      // truechimer dropped by clustering
  kNoMajority,   // no intersection of a majority exists (nobody is chosen)
};

struct Candidate {
  int source = 0;        // the caller's index
  Duration offset{0};    // reference − system at `now`
  Duration distance{0};  // correctness half-width (root distance) at `now`, > 0
  Duration jitter{0};    // the source's own (filter) jitter
  std::uint8_t stratum = 16;
  Verdict verdict = Verdict::kSurvivor;
};

struct Intersection {
  bool found = false;  // false: no majority; every verdict is kNoMajority
  Duration low{0};     // the intersection interval, when found
  Duration high{0};
  int falsetickers = 0;
};

// Marks falsetickers (or everyone kNoMajority). Resets every verdict first.
Intersection select_truechimers(std::span<Candidate> candidates);

// Among kSurvivor candidates: marks kOutlier until at most `min_survivors` remain or the
// worst selection jitter is below the smallest peer jitter.
void cluster_survivors(std::span<Candidate> candidates, int min_survivors);

}  // namespace kairos::sync
