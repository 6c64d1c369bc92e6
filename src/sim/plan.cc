#include "sim/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/report.h"
#include "sim/simulator.h"
#include "sync/engine_config.h"
#include "sync/poll_policy.h"
#include "sync/sample.h"

namespace kairos::sim {
namespace {

// The frequency estimator's worst-case error Σ|cᵢ|·e for `points` equally weighted
// samples `spacing` apart, each within ±e (sync/frequency_estimator.h), in ppm.
double frequency_error_ppm(int points, Duration spacing, Duration e) {
  const double n = points;
  const double mean = (n - 1) / 2;
  double sum_abs = 0, sum_sq = 0;
  for (int i = 0; i < points; ++i) {
    sum_abs += std::abs(i - mean);
    sum_sq += (i - mean) * (i - mean);
  }
  return to_seconds(e) * sum_abs / (sum_sq * to_seconds(spacing)) * 1e6;
}

std::string text(Duration d) { return format_duration(d); }

std::string ppm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g ppm", v);
  return buf;
}

}  // namespace

Result<Plan> make_plan(const PlanInput& in) {
  if (!(in.drift_ppm > 0.0) || in.drift_ppm > 1000.0) {
    return Status::InvalidArgument("--drift-ppm must be in (0, 1000]");
  }
  if (in.jitter < Duration(0) || in.jitter > seconds(10)) {
    return Status::InvalidArgument("--jitter must be between 0 and 10s");
  }
  if (in.delta <= Duration(0) || in.delta > seconds(16)) {
    return Status::InvalidArgument("--delta must be in (0, 16s]");
  }
  if (in.delay < Duration(0) || in.delay > seconds(10)) {
    return Status::InvalidArgument("--delay must be between 0 and 10s");
  }
  if (in.falsetickers < 0 || in.falsetickers > 20 || in.unreachable < 0 || in.unreachable > 20) {
    return Status::InvalidArgument("--falsetickers and --unreachable must be between 0 and 20");
  }
  const sync::EngineConfig defaults;
  Plan p;
  p.servers = 2 * in.falsetickers + 1 + in.unreachable;

  // One exchange as the engine would see it: each leg takes delay + jitter.
  sync::Exchange x;
  x.t1 = kEpoch;
  x.t2 = x.t1 + in.delay + in.jitter;
  x.t3 = x.t2 + microseconds(5);
  x.t4 = x.t3 + in.delay + in.jitter;
  x.server.stratum = 1;
  x.server.root_dispersion = in.server_root_dispersion;
  x.server.leap = Leap::kNone;
  const sync::SampleParams params{defaults.precision_log2,
                                  defaults.max_drift_ppm + defaults.max_frequency_ppm};
  Result<sync::Sample> sample = sync::sample_from_exchange(x, params);
  if (!sample.ok()) return sample.status();
  p.sample_distance = sample->distance();
  // Root dispersion at a fix adds the filter jitter and |combined − peer offset|.
  p.bound_after_update = p.sample_distance + 2 * in.jitter;

  sync::PollConfig pc;
  pc.minpoll = 0;
  pc.maxpoll = 17;
  pc.learning_poll = 0;
  pc.target_delta = in.delta;
  const sync::PollPolicy policy(pc);
  p.headroom = in.delta - p.bound_after_update - in.jitter;
  std::int8_t poll = 0;
  for (int round = 0; round < 8; ++round) {
    p.frequency_error_ppm = frequency_error_ppm(
        defaults.frequency_points, seconds(std::int64_t{1} << poll), p.sample_distance);
    p.growth_ppm = in.drift_ppm + p.frequency_error_ppm;
    const std::int8_t next = policy.wanted(p.bound_after_update, p.growth_ppm, in.jitter, false);
    if (next == poll) break;
    poll = next;
  }
  if (p.headroom <= Duration(0)) {
    // No poll helps; describe the growth at the engine's default minpoll.
    p.frequency_error_ppm = frequency_error_ppm(
        defaults.frequency_points, seconds(std::int64_t{1} << defaults.minpoll), p.sample_distance);
    p.growth_ppm = in.drift_ppm + p.frequency_error_ppm;
  }
  p.poll_log2 = poll;
  p.max_interval = p.headroom > Duration(0) ? std::chrono::duration_cast<milliseconds>(from_seconds(
                                                  to_seconds(p.headroom) / (p.growth_ppm * 1e-6)))
                                            : Duration(0);
  p.feasible = p.headroom > Duration(0) && p.max_interval >= seconds(1);

  std::string r = "A sample over a path of " + text(in.delay) + " each way with " +
                  text(in.jitter) + " of jitter has a root distance of " + text(p.sample_distance) +
                  " in the engine's model (half the round trip, the server's root dispersion " +
                  text(in.server_root_dispersion) +
                  ", clock precision and in-exchange drift), and right after an update the "
                  "error bound adds the filter jitter and the spread between servers, about " +
                  text(p.bound_after_update) + "; between updates it grows at " +
                  ppm(p.growth_ppm) + " (the " + ppm(in.drift_ppm) + " drift allowance plus " +
                  ppm(p.frequency_error_ppm) + " of frequency-estimate error over " +
                  std::to_string(defaults.frequency_points) + " samples). ";
  if (!p.feasible) {
    r += "With the next sample scattering by another " + text(in.jitter) +
         ", the headroom to delta = " + text(in.delta) + " is " + text(p.headroom) +
         (p.headroom > Duration(0) ? ", which the drift uses up in " + text(p.max_interval) +
                                         ", less than the shortest poll (1s)"
                                   : ", none at all") +
         ": no poll interval keeps the bound within delta on this path; shorten the path "
         "(lower delay and jitter), or accept a larger delta. ";
  } else {
    r += "The headroom to delta = " + text(in.delta) + " after one more jitter is " +
         text(p.headroom) + ", which that growth uses up in " + text(p.max_interval) +
         ", so the engine's poll rule floor(log2 τ) gives poll " + std::to_string(p.poll_log2) +
         " (" + text(seconds(std::int64_t{1} << p.poll_log2)) +
         "): set target_delta = " + text(in.delta) +
         " and maxpoll = " + std::to_string(p.poll_log2) +
         " (minpoll at most that) and the engine picks it. ";
  }
  r += "Selection needs a majority of truechimers among the servers that answer, so to "
       "outvote " +
       std::to_string(in.falsetickers) + " falseticker" + (in.falsetickers == 1 ? "" : "s") +
       " while " + std::to_string(in.unreachable) + " " + (in.unreachable == 1 ? "is" : "are") +
       " unreachable it needs n − " + std::to_string(in.unreachable) + " >= 2·" +
       std::to_string(in.falsetickers) + " + 1, that is " + std::to_string(p.servers) + " server" +
       (p.servers == 1 ? "" : "s") +
       " (3 tolerate one liar, 5 two; one more per server that may be down at the same time).";
  p.reasoning = std::move(r);
  return p;
}

Result<PlanCheck> verify_plan(const PlanInput& in, const Plan& plan, std::uint64_t seed) {
  if (!plan.feasible) return Status::FailedPrecondition("the plan is not feasible");
  Scenario sc;
  sc.name = "plan-check";
  sc.seed = seed;
  const Duration poll = seconds(std::int64_t{1} << plan.poll_log2);
  sc.duration = std::clamp<Duration>(poll * 48, hours(2), hours(24 * 4));
  sc.sample_interval = std::max<Duration>(seconds(1), sc.duration / 20000);
  LinkSpec link;
  link.name = "path";
  link.delay = in.delay;
  link.jitter = in.jitter;
  link.distribution = JitterDistribution::kExponential;
  sc.links.push_back(link);
  NodeSpec node;
  node.name = "node";
  node.count = 5;
  node.link = "path";
  node.offset_spread = milliseconds(1);
  node.drift_spread_ppm = 10.0 * in.drift_ppm;  // a learned drift, ten times the allowance
  node.wander_ppm = in.drift_ppm / 10.0;        // and a slow walk within the allowance
  node.engine.max_drift_ppm = in.drift_ppm;
  node.engine.target_delta = in.delta;
  node.engine.maxpoll = plan.poll_log2;
  node.engine.minpoll = std::min<std::int8_t>(node.engine.minpoll, plan.poll_log2);
  node.engine.learning_poll = std::min(node.engine.learning_poll, node.engine.minpoll);
  for (int i = 0; i < plan.servers; ++i) {
    ServerSpec s;
    s.name = "server" + std::to_string(i);
    s.root_dispersion = in.server_root_dispersion;
    if (i < in.falsetickers) {
      s.kind = ServerKind::kFalseticker;
      s.lie = (i % 2 == 0 ? 20 : -20) * in.delta;
    }
    if (i >= in.falsetickers && i < in.falsetickers + in.unreachable) {
      s.outages.push_back({Duration(0), sc.duration + seconds(1)});
    }
    sc.servers.push_back(s);
    node.upstreams.push_back(s.name);
  }
  sc.nodes.push_back(node);
  Result<SimResult> r = run_simulation(sc);
  if (!r.ok()) return r.status();
  PlanCheck c;
  c.simulated = sc.duration;
  c.warmup = std::max<Duration>(minutes(30), sc.duration / 4);
  c.nodes = node.count;
  c.seed = seed;
  for (const SeriesPoint& p : r->series) {
    if (p.t < c.warmup || p.synced == 0) continue;
    c.max_abs_error = std::max(c.max_abs_error, p.max_abs_error);
    c.max_bound = std::max(c.max_bound, p.max_bound);
  }
  const Overall o = overall(*r);
  c.violations = o.violations;
  c.falseticker_selections = o.falseticker_selections;
  c.held = c.max_abs_error <= in.delta && o.never_synced == 0;
  return c;
}

}  // namespace kairos::sim
