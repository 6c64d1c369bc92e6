// ClockFilter: the per-source clock filter (RFC 5905 §10, simplified). It keeps the last
// kHistory samples of one source and, at a given `now`, picks the best of the newest
// kStages: the one with the
// least delay/2 + dispersion aged at a FIXED rate (`select_ppm`, NTP's PHI), i.e. the
// lowest delay among recent samples, where a sample's age counts against it. The
// dispersion it reports is aged at `growth_ppm` (which includes the drift estimate's
// worst-case error) so the bound stays honest; ranking with that rate instead would, on a
// long path whose drift error stays large, charge an older sample more than the delay
// differences the filter exists to exploit, and the filter would follow the newest one.
//
// A delay spike (a fit sample whose delay exceeds the least fit one by more than 4x the
// median excess, given at least 4 fit samples) is never chosen: one leg of it was held
// up, and on short polls the age penalty would otherwise prefer it when it is the newest.
// It still counts in the jitter, and in the offset estimate with next to no weight.
//
// The offset it reports is not the chosen sample's alone but a weighted least-squares line
// through the fit samples it holds (up to kHistory), evaluated at `now`: a sample whose
// round trip is `excess` longer than the least held may be off by up to excess/2 (one leg
// held up), so it weighs 1 / (dispersion² + excess²/12), the variance of a uniform split.
// The line is fitted over the newest 1, 2, 4, ... samples and all of them, and the fit
// whose value now is least uncertain wins: its weights' variance scaled by how much more
// the points scatter than the weights say (a rate that wandered bends old samples away
// from any line, so shorter fits win then; on a quiet path the longest one averages the
// most). The distance from the chosen sample's projected offset to that estimate is added
// to the reported dispersion, so offset ± distance still contains every point the chosen
// sample's own interval does. The chosen sample's offset is projected to `now` with the
// current frequency estimate; jitter is the RMS difference of the other (newest kStages)
// samples' projected offsets from the chosen one, leaving out samples whose own root
// distance is beyond max_distance (as RFC 5905 leaves out samples at MAXDISP): such a
// sample (a reply held up for seconds) says nothing about the chosen one's noise, and
// counting it would make the source unfit until it leaves the filter, 8 polls later.
//
// A sample that contradicts the newest one by more than the step threshold (beyond both
// their error intervals) means a discontinuity: the older samples are dropped.
//
// Units: offsets reference − system; aging in ppm of elapsed system time.
// Thread safety: none (owned by the engine's control loop).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "sync/sample.h"

namespace kairos::sync {

struct FilterOutput {
  Sample sample;           // the chosen sample, as measured
  std::uint64_t sequence;  // its sequence number (increases by one per add)
  Duration offset{0};      // the held samples' weighted line, evaluated at `now`
  // Chosen sample's dispersion + growth × age + |offset − its projected offset|.
  Duration dispersion{0};
  Duration jitter{0};      // RMS offset difference of the others from the chosen one, >= 0
  // Correctness half-width at `now`: (root_delay + delay)/2 + root_dispersion +
  // dispersion + jitter.
  Duration distance{0};
};

class ClockFilter {
 public:
  static constexpr int kStages = 8;    // the newest samples the best one is chosen from
  static constexpr int kHistory = 64;  // samples held for the offset estimate

  // Adds a sample. When its offset disagrees with the newest stored one by more than
  // `jump` beyond what both samples' delays, dispersions and aging at `growth_ppm`
  // allow (after projecting with `frequency_ppm`), the clock it measures jumped: the
  // older samples are dropped and add returns true.
  bool add(const Sample& sample, double frequency_ppm, double growth_ppm, Duration jump);
  bool empty() const { return count_ == 0; }
  int size() const { return count_; }
  void clear() { count_ = 0; }
  // The system clock stepped by `step` (new − old): stored offsets and times follow it.
  void shift_system_clock(Duration step);

  // Sequence number of the newest sample (meaningless when empty).
  std::uint64_t newest_sequence() const { return next_sequence_ - 1; }
  // The stored sample with sequence number `sequence`, if still held.
  const Sample* find(std::uint64_t sequence) const;

  // The best sample at `now` (system clock), projecting offsets with `frequency_ppm` (the
  // system clock's estimated rate error, positive: system clock slow so the offset grows),
  // ranking by delay/2 + dispersion aged at `select_ppm` and reporting dispersion aged at
  // `growth_ppm`; samples whose root distance exceeds `max_distance` are left out of the
  // jitter. nullopt when empty.
  std::optional<FilterOutput> evaluate(UnixTime now, double frequency_ppm, double growth_ppm,
                                       double select_ppm, Duration max_distance) const;

 private:
  const Sample& at(int i) const;  // the i-th newest sample, i < count_
  double history_estimate(UnixTime now, double frequency_ppm, double growth_ppm,
                          Duration max_distance, double fallback) const;

  std::array<Sample, kHistory> ring_{};  // newest at head_
  int head_ = 0;
  int count_ = 0;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace kairos::sync
