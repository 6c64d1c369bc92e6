// Scenario: a simulated world, as read from a scenario TOML file (docs/simulator.md lists
// every key, unit and default). True time starts at 0 (a fixed epoch) and runs for
// `duration`; every time in a scenario is relative to that start.
//
// Sign conventions: a clock's `offset` is its reading − true time (positive: ahead); a
// `drift_ppm` is its rate error (positive: runs fast); a server's `lie` is served − true.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kairos/time.h"
#include "sync/engine_config.h"

namespace kairos::sim {

// [from, to) in scenario time.
struct Window {
  Duration from{0};
  Duration to{0};
};

enum class JitterDistribution : std::uint8_t {
  kUniform,      // one-way delay uniform in [delay − jitter, delay + jitter]
  kExponential,  // delay + exponential extra with mean `jitter`
  kSpikes,       // exponential, plus with spike_probability a Pareto(spike_delay, 1.5) spike
};

// A network path between a node and one upstream, both directions.
struct LinkSpec {
  std::string name;
  Duration delay = microseconds(100);  // mean of the two one-way base delays
  Duration jitter{0};                  // scale of the random part (see distribution)
  JitterDistribution distribution = JitterDistribution::kExponential;
  Duration asymmetry{0};  // request leg − reply leg (base delays)
  double loss = 0.0;      // per packet, each direction, [0, 1]
  double reorder = 0.0;   // per packet: held back by reorder_delay, [0, 1]
  Duration reorder_delay = seconds(1);
  double spike_probability = 0.0;           // kSpikes only, [0, 1]
  Duration spike_delay = milliseconds(10);  // Pareto scale (the smallest spike)
  std::vector<Window> outages;              // every packet is dropped inside these
};

enum class ServerKind : std::uint8_t {
  kHonest,       // serves true time + offset, and says so within its root dispersion
  kFalseticker,  // serves true time + lie + lie_drift_ppm·t (a liar)
  kFlapping,     // honest, but answers only flap_up out of every flap_up + flap_down
};

// A reference NTP server that runs no engine (a stratum-1 with a perfect reference).
struct ServerSpec {
  std::string name;
  ServerKind kind = ServerKind::kHonest;
  std::uint8_t stratum = 1;
  Duration offset{0};  // honest clock error (keep within root_dispersion)
  Duration root_delay{0};
  Duration root_dispersion = microseconds(10);
  Duration lie{0};                        // falseticker: served − true at t = 0
  double lie_drift_ppm = 0.0;             // falseticker: the lie grows at this rate
  Duration flap_up = minutes(5);          // flapping: answers this long...
  Duration flap_down = minutes(5);        // ...then is silent this long, from t = 0
  Duration processing = microseconds(5);  // t3 − t2
  std::vector<Window> outages;            // silent inside these
};

struct ClockStep {
  Duration at{0};      // scenario time
  Duration amount{0};  // new − old reading
};

// A group of `count` client nodes, each running the real sync::Engine on a simulated
// system clock. A node group may itself be an upstream of other groups (a stratum chain):
// it then serves its virtual clock.
struct NodeSpec {
  std::string name;  // members are "name" (count 1) or "name-0", "name-1", ...
  int count = 1;
  std::vector<std::string> upstreams;            // server names or node group names (every member)
  std::string link;                              // link name for every upstream of this group
  Duration start{0};                             // the engines start at this scenario time
  Duration offset{0};                            // initial system − true
  Duration offset_spread{0};                     // each member: offset + uniform ±spread
  double drift_ppm = 0.0;                        // system clock rate error
  double drift_spread_ppm = 0.0;                 // each member: drift + uniform ±spread
  double wander_ppm = 0.0;                       // random walk: frequency std dev after one hour
  std::vector<ClockStep> steps;                  // scheduled steps of the system clock
  double step_rate_per_hour = 0.0;               // random steps (Poisson)...
  Duration step_size = milliseconds(1);          // ...of uniform ±step_size
  bool announce_steps = true;                    // the daemon notices a step (on_system_clock_step)
  Duration step_uncertainty = microseconds(10);  // how well it measures it
  Duration processing = microseconds(5);         // t3 − t2 when it serves
  sync::EngineConfig engine;
};

struct Scenario {
  std::string name;
  std::string description;
  Duration duration = minutes(10);
  std::uint64_t seed = 1;
  Duration sample_interval = seconds(1);  // time series and statistics resolution
  std::vector<LinkSpec> links;
  std::vector<ServerSpec> servers;
  std::vector<NodeSpec> nodes;
};

// Limits that keep a scenario's memory and run time bounded.
inline constexpr int kMaxNodes = 10'000;
inline constexpr std::int64_t kMaxSamples = 5'000'000;  // nodes × duration / sample_interval

}  // namespace kairos::sim
