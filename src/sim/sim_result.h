// SimResult: what one simulation run measured, per node and over time. All errors are
// virtual − true (the node's published virtual clock against true time); bounds are the
// snapshot's error_bound_at at the same instant.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kairos/clock_snapshot.h"
#include "kairos/time.h"
#include "sim/scenario.h"

namespace kairos::sim {

struct NodeStats {
  std::string name;   // "app-3"
  std::string group;  // the [[node]] name
  // |error| at every sample tick while synchronized or free-running, sorted at the end.
  std::vector<std::int64_t> abs_error_ns;
  std::int64_t ticks_checked = 0;           // sample ticks with a bound (synchronized/free-running)
  std::int64_t ticks_contained = 0;         // ...where |error| <= bound
  std::int64_t ticks_learning = 0;          // ...where the engine polled at its learning_poll
  std::int64_t checks = 0;                  // ticks + right before and after every update
  std::int64_t violations = 0;              // checks where |error| > bound
  Duration worst_violation{0};              // largest |error| − bound seen
  std::optional<Duration> time_to_sync;     // from the node's start to its first fix
  int steps = 0;                            // kStepped and kForcedInsane events
  Duration max_jump{0};                     // largest |virtual clock jump| at an update after sync
  int jumps_beyond_bound = 0;               // jumps larger than the bound published before them
  std::int64_t falseticker_selections = 0;  // updates that selected a falseticker server
  std::int64_t polls = 0, replies = 0, lost = 0, stale = 0, rejected = 0, updates = 0;
  SyncStatus final_status = SyncStatus::kUnsynchronized;
  Duration final_error{0};
  Duration final_bound{0};
};

// One plotted point: aggregates over the nodes at a tick (or, for long runs, over a few
// consecutive ticks: maxima of the maxima, minima of the minima).
struct SeriesPoint {
  Duration t{0};   // scenario time
  int synced = 0;  // nodes with a bound
  Duration max_abs_error{0};
  Duration p50_abs_error{0};
  Duration min_bound{0};
  Duration p50_bound{0};
  Duration max_bound{0};
  Duration disagreement{0};  // max − min error between synchronized nodes
};

struct SimResult {
  std::string scenario;
  std::uint64_t seed = 0;
  Duration duration{0};
  Duration sample_interval{0};
  std::vector<NodeStats> nodes;
  std::vector<SeriesPoint> series;
  Duration max_disagreement{0};
  std::vector<Window> outages;  // server and link outages, for the plot
  std::int64_t events = 0;      // discrete events processed
};

}  // namespace kairos::sim
