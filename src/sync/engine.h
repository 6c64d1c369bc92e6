// Engine: the sync pipeline for one node. Pure: no I/O, no clock reads; every call takes
// `now` (MonoTime for scheduling, UnixTime of the SYSTEM clock for clock arithmetic).
//
//   on_poll_sent ─┐   on_sample ─▶ ClockFilter per source
//                 ▼                       │ update(now)
//   reach register, next_poll_at          ▼
//      select (intersection) → cluster → combine → FrequencyEstimator
//        → Discipline (slew / step / refuse) → PollPolicy → ClockSnapshot + events
//
// The daemon's control loop owns one Engine: it sends a request when next_poll_at(id)
// comes (then on_poll_sent), hands replies to on_sample, calls update() after samples
// and at result.next_update_at (end of a slew), publishes result.snapshot, and logs
// result.events. Before the first clock update the engine waits until every source has
// burst_count samples or its burst is over, so a liar that answers first cannot set the
// clock alone.
//
// A fix (clock update) needs new evidence: the system peer must have a sample that no
// earlier selection has seen. Otherwise (an update at a poll timeout, at a slew's end, or
// after another source's reply) the virtual clock keeps following the last fix, its bound
// keeps growing from it, and the status stays as it was (free-running once nothing is
// selectable). So old samples never set the clock twice, and a source judged a
// falseticker cannot take over with the samples it was judged on when the others go quiet.
//
// Error bound at the last fix (the latest clock update):
//   root_delay      = peer root delay + peer delay
//   root_dispersion = peer root dispersion + peer dispersion (aged) + peer jitter
//                     + |combined offset − peer offset| + not-yet-slewed correction
//   error_bound     = root_delay/2 + root_dispersion, growing at
//   max_drift_ppm   = config max_drift + frequency error (+ |slew| while slewing)
// so the bound contains the truth as long as the system peer's interval did.
//
// Thread safety: none; one control loop calls everything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kairos/clock_snapshot.h"
#include "sync/clock_filter.h"
#include "sync/discipline.h"
#include "sync/drift_file.h"
#include "sync/engine_config.h"
#include "sync/frequency_estimator.h"
#include "sync/poll_policy.h"
#include "sync/sample.h"
#include "sync/selection.h"

namespace kairos::sync {

using SourceId = int;

struct SourceInfo {
  std::string name;                // for status and logs ("192.0.2.1:123")
  std::uint32_t reference_id = 0;  // our refid when this source is the system peer
};

enum class SourceState : std::uint8_t {
  kUnreachable,  // no sample yet; no reply in the last 8 polls; or none in the last
                 // misses_before_unreachable polls and its distance exceeds target_delta
  kCandidate,    // usable but not combined (clustered out, unfit, no majority, waiting)
  kSelected,     // survivor: combined into the clock
  kFalseticker,  // outside the majority's intersection
};

struct SourceStatus {
  SourceId id = 0;
  std::string name;
  SourceState state = SourceState::kUnreachable;
  bool system_peer = false;
  std::uint8_t stratum = 16;
  Duration offset{0};  // reference − system, projected to the last update
  Duration delay{0};
  Duration jitter{0};
  Duration distance{0};         // root distance (correctness half-width)
  Duration root_delay{0};       // as the source reported it in the chosen sample
  Duration root_dispersion{0};  // as the source reported it in the chosen sample
  std::uint8_t reach = 0;       // NTP reach register: bit 0 = the latest poll was answered
  int samples = 0;
};

enum class EventKind : std::uint8_t {
  kSynchronized,   // first fix, or back from free-running / refusal
  kStepped,        // the virtual clock jumped
  kLargeSlew,      // a correction above the step threshold is being slewed
  kRefusedInsane,  // correction above the panic threshold refused
  kForcedInsane,   // correction above the panic threshold applied because forced
  kFalseticker,    // a source newly marked falseticker
  kSyncLost,       // no selectable source: free-running
  kSourceJumped,   // a source's offset jumped beyond the step threshold
};

enum class Severity : std::uint8_t { kInfo, kWarning, kError };

struct Event {
  EventKind kind;
  Severity severity;
  std::string message;  // one log line, with figures and units
};

struct UpdateResult {
  ClockSnapshot snapshot;
  std::vector<Event> events;
  std::optional<MonoTime> next_update_at;  // call update() again then (a slew ends)
  double frequency_ppm = 0.0;              // drift estimate
  double frequency_error_ppm = 0.0;
  double slew_ppm = 0.0;  // current slew on top of the drift estimate
  bool stepped = false;   // the discipline stepped the virtual clock in this update
};

class Engine {
 public:
  explicit Engine(EngineConfig config = {});

  static constexpr std::size_t kMaxSources = 64;

  // Errors: more than kMaxSources.
  Result<SourceId> add_source(SourceInfo info, MonoTime now);
  // The drift file's estimate, before the first update.
  void load_drift(const DriftState& state) { estimator_.load(state); }
  DriftState drift() const { return estimator_.state(); }

  // A request went out: the reach register shifts (a reply sets bit 0 again).
  Status on_poll_sent(SourceId id, MonoTime now);
  Status on_sample(SourceId id, const Sample& sample, MonoTime now);
  // Builds the sample from the exchange (errors say why the reply is unusable).
  Status on_sample(SourceId id, const Exchange& exchange, MonoTime now);
  // The system realtime clock stepped by `step` (new − old), known within ±uncertainty
  // (the daemon sees realtime − monotonic jump). Samples, drift points and the virtual
  // line follow, and snapshot() is re-anchored at once: publish it.
  void on_system_clock_step(Duration step, Duration uncertainty);

  UpdateResult update(MonoTime mono_now, UnixTime system_now);

  MonoTime next_poll_at(SourceId id) const;
  std::vector<SourceStatus> sources() const;
  const ClockSnapshot& snapshot() const { return snapshot_; }
  // Synchronized (or free-running) with error bound <= delta at system time `now`.
  bool synchronized_within(Duration delta, UnixTime system_now) const;
  SampleParams sample_params() const;
  const EngineConfig& config() const { return config_; }

 private:
  struct Source {
    SourceInfo info;
    ClockFilter filter;
    std::uint8_t reach = 0;
    int polls = 0;
    MonoTime added{};
    MonoTime last_poll{};
    std::uint64_t used_sequence = ~std::uint64_t{0};   // newest sample taken as drift points
    std::uint64_t judged_sequence = ~std::uint64_t{0};  // newest sample a selection has seen
    SourceState state = SourceState::kUnreachable;
    bool system_peer = false;
    bool jumped = false;  // the filter saw a discontinuity since the last update
    std::optional<FilterOutput> last;
  };
  // The latest clock update: the target line offset(t) = offset + frequency·(t −
  // time), within root_delay/2 + root_dispersion at `time`.
  struct Fix {
    UnixTime time{};
    Duration offset{0};
    double frequency_ppm = 0.0;
    Duration root_delay{0};
    Duration root_dispersion{0};
    std::uint8_t stratum = 16;
    std::uint32_t reference_id = 0;
    Leap leap = Leap::kUnknown;
    UnixTime virtual_time{};  // the virtual clock at `time`, after the correction
  };

  double growth_ppm() const;
  bool learning() const;
  bool settled(MonoTime now) const;
  void evaluate_sources(UnixTime now);
  // Returns true when the discipline stepped.
  bool apply_fix(const Candidate& peer, Duration combined, UnixTime now,
                 std::vector<Event>& events);
  void coast(UnixTime now, bool had_candidates, std::vector<Event>& events);
  // Keeps the virtual clock on the last fix's line (re-planned once a slew is over).
  void follow_fix(UnixTime now);
  void publish(UnixTime now);
  bool valid(SourceId id) const { return id >= 0 && id < static_cast<int>(sources_.size()); }

  EngineConfig config_;
  FrequencyEstimator estimator_;
  Discipline discipline_;
  PollPolicy poll_;
  std::vector<Source> sources_;
  std::vector<Candidate> candidates_;
  std::optional<Fix> fix_;
  bool refused_ = false;
  int clock_updates_ = 0;
  SyncStatus status_ = SyncStatus::kUnsynchronized;
  ClockSnapshot snapshot_;
};

}  // namespace kairos::sync
