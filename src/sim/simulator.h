// Simulator: a deterministic discrete-event world that drives the REAL sync::Engine.
//
// True time starts at kEpoch and runs for scenario.duration. Every client node owns a
// SimClock (its system and monotonic clocks) and an Engine, driven as the daemon's control
// loop drives it: a request goes out when next_poll_at(source) comes (on_poll_sent), the
// reply's t1/t4 are read from the node's system clock and t2/t3 from the server's clock,
// on_sample + update() follow every reply, update() runs again at next_update_at, a lost
// packet is a poll with no reply, a reply whose t1 is not the latest request's is dropped
// (as an NTP client matches the origin timestamp), and a step of the system clock is
// announced through on_system_clock_step (when the scenario says the daemon notices it).
// Upstream nodes serve their virtual clock (snapshot) with their stratum and root values.
//
// Events are ordered by (time, insertion order); every random draw comes from an Rng
// derived from the scenario seed and the entity's name. The same scenario and seed give
// the same events, the same CSV and the same summary, byte for byte.
//
// Thread safety: none; one run on one thread.
#pragma once

#include <ostream>

#include "kairos/status.h"
#include "sim/scenario.h"
#include "sim/sim_result.h"

namespace kairos::sim {

inline constexpr UnixTime kEpoch = UnixTime(seconds(1'780'000'000));

// Runs `scenario` to its end. When `csv` is given, writes the time series to it (header
// and one row per node per sample tick; columns in docs/simulator.md). Errors: an invalid
// scenario (validate_scenario).
Result<SimResult> run_simulation(const Scenario& scenario, std::ostream* csv = nullptr);

}  // namespace kairos::sim
