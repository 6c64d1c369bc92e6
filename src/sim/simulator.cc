#include "sim/simulator.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <optional>
#include <queue>
#include <vector>

#include "sim/rng.h"
#include "sim/scenario_reader.h"
#include "sim/sim_clock.h"
#include "sync/engine.h"

namespace kairos::sim {
namespace {

Duration abs_d(Duration d) { return d < Duration(0) ? -d : d; }

bool in_windows(const std::vector<Window>& windows, Duration t) {
  return std::any_of(windows.begin(), windows.end(),
                     [&](const Window& w) { return t >= w.from && t < w.to; });
}

bool has_bound(SyncStatus s) {
  return s == SyncStatus::kSynchronized || s == SyncStatus::kFreeRunning;
}

enum class EventKind : std::uint8_t { kStart, kWake, kRequest, kReply, kTimeout, kStep, kTick };

// How long the daemon's NTP source waits for a reply (NtpSourceDriver's timeout): then the
// poll has failed, the daemon runs update(), and a later reply is dropped.
constexpr Duration kPollTimeout = seconds(1);

struct Event {
  UnixTime at;
  std::uint64_t seq;
  EventKind kind;
  int node = 0;
  int upstream = 0;
  std::uint64_t generation = 0;
  Duration amount{0};
  sync::Exchange exchange{};
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

struct Upstream {
  bool is_node = false;  // false: servers[index]; true: nodes[index]
  int index = 0;
  const LinkSpec* link = nullptr;
  bool liar = false;
  Rng out_rng;
  Rng back_rng;
  sync::SourceId id = 0;
  std::optional<UnixTime> last_t1;
};

struct Node {
  const NodeSpec* spec;
  SimClock clock;
  Rng rng;  // steps
  sync::Engine engine;
  std::vector<Upstream> ups;
  bool started = false;
  bool has_liars = false;
  std::optional<MonoTime> pending_update;
  std::uint64_t wake_generation = 0;
  NodeStats stats;
};

class World {
 public:
  World(const Scenario& sc, std::ostream* csv) : sc_(sc), csv_(csv) {}
  void build();
  void run();
  SimResult take_result();

 private:
  void push(Event e) {
    e.seq = next_seq_++;
    queue_.push(std::move(e));
  }
  Duration since_start() const { return now_ - kEpoch; }
  Duration draw_delay(const LinkSpec& link, Rng& rng, bool outbound) const;
  bool link_drops(const LinkSpec& link, Rng& rng) const;
  bool server_silent(const ServerSpec& s) const;
  UnixTime server_time(const ServerSpec& s) const;

  void start(int i);
  void wake(int i, std::uint64_t generation);
  void schedule_wake(int i);
  void poll(int i, int u);
  void request(const Event& e);
  void reply(const Event& e);
  void timeout(const Event& e);
  void step(int i, Duration amount);
  void do_update(int i);
  void check(int i, const ClockSnapshot& s);
  void tick();

  const Scenario& sc_;
  std::ostream* csv_;
  std::vector<Node> nodes_;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::uint64_t next_seq_ = 0;
  UnixTime now_ = kEpoch;
  SimResult result_;
  std::int64_t ticks_per_point_ = 1;
  std::int64_t tick_index_ = 0;
  std::vector<Duration> scratch_errors_, scratch_abs_, scratch_bounds_;
};

void World::build() {
  result_.scenario = sc_.name;
  result_.seed = sc_.seed;
  result_.duration = sc_.duration;
  result_.sample_interval = sc_.sample_interval;
  const std::int64_t ticks = sc_.duration / sc_.sample_interval + 1;
  ticks_per_point_ = std::max<std::int64_t>(1, (ticks + 1999) / 2000);
  for (const ServerSpec& s : sc_.servers) {
    result_.outages.insert(result_.outages.end(), s.outages.begin(), s.outages.end());
  }
  for (const LinkSpec& l : sc_.links) {
    result_.outages.insert(result_.outages.end(), l.outages.begin(), l.outages.end());
  }
  // Members of every group, in file order.
  struct Member {
    const NodeSpec* spec;
    std::string name;
  };
  std::vector<Member> members;
  std::vector<int> first_member;
  for (const NodeSpec& n : sc_.nodes) {
    first_member.push_back(static_cast<int>(members.size()));
    for (int k = 0; k < n.count; ++k) {
      members.push_back({&n, n.count == 1 ? n.name : n.name + "-" + std::to_string(k)});
    }
  }
  nodes_.reserve(members.size());
  for (const Member& m : members) {
    const NodeSpec& spec = *m.spec;
    Rng setup = Rng::derive(sc_.seed, "node/" + m.name + "/setup");
    const double spread_s = to_seconds(spec.offset_spread);
    const Duration offset = spec.offset + from_seconds(setup.uniform(-spread_s, spread_s));
    const double drift =
        spec.drift_ppm + setup.uniform(-spec.drift_spread_ppm, spec.drift_spread_ppm);
    Node n{&spec,
           SimClock(kEpoch, offset, drift, spec.wander_ppm,
                    Rng::derive(sc_.seed, "node/" + m.name + "/clock")),
           Rng::derive(sc_.seed, "node/" + m.name + "/steps"),
           sync::Engine(spec.engine),
           {},
           false,
           false,
           std::nullopt,
           0,
           {}};
    n.stats.name = m.name;
    n.stats.group = spec.name;
    const LinkSpec* link = &sc_.links.front();
    for (const LinkSpec& l : sc_.links) {
      if (l.name == spec.link) link = &l;
    }
    for (const std::string& up : spec.upstreams) {
      auto add = [&](bool is_node, int index, const std::string& up_name, bool liar) {
        Upstream u{is_node,
                   index,
                   link,
                   liar,
                   Rng::derive(sc_.seed, "link/" + m.name + "/" + up_name + "/out"),
                   Rng::derive(sc_.seed, "link/" + m.name + "/" + up_name + "/back"),
                   0,
                   std::nullopt};
        n.has_liars = n.has_liars || liar;
        n.ups.push_back(std::move(u));
      };
      for (std::size_t s = 0; s < sc_.servers.size(); ++s) {
        if (sc_.servers[s].name == up) {
          add(false, static_cast<int>(s), up, sc_.servers[s].kind == ServerKind::kFalseticker);
        }
      }
      for (std::size_t g = 0; g < sc_.nodes.size(); ++g) {
        if (sc_.nodes[g].name != up) continue;
        for (int k = 0; k < sc_.nodes[g].count; ++k) {
          const int index = first_member[g] + k;
          add(true, index, members[static_cast<std::size_t>(index)].name, false);
        }
      }
    }
    nodes_.push_back(std::move(n));
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const NodeSpec& spec = *nodes_[i].spec;
    Event e{kEpoch + spec.start, 0, EventKind::kStart};
    e.node = static_cast<int>(i);
    push(e);
    for (const ClockStep& s : spec.steps) {
      Event st{kEpoch + s.at, 0, EventKind::kStep};
      st.node = static_cast<int>(i);
      st.amount = s.amount;
      push(st);
    }
  }
  push(Event{kEpoch, 0, EventKind::kTick});
  if (csv_ != nullptr) {
    *csv_ << "time_s,node,status,error_ns,bound_ns,poll_log2,stratum,frequency_ppm\n";
  }
}

Duration World::draw_delay(const LinkSpec& link, Rng& rng, bool outbound) const {
  const Duration leg = link.delay + (outbound ? link.asymmetry / 2 : -link.asymmetry / 2);
  const double jitter_s = to_seconds(link.jitter);
  double extra_s = 0.0;
  switch (link.distribution) {
    case JitterDistribution::kUniform:
      extra_s = rng.uniform(-jitter_s, jitter_s);
      break;
    case JitterDistribution::kExponential:
      extra_s = rng.exponential(jitter_s);
      break;
    case JitterDistribution::kSpikes:
      extra_s = rng.exponential(jitter_s);
      if (rng.chance(link.spike_probability)) {
        extra_s += std::min(rng.pareto(to_seconds(link.spike_delay), 1.5), 60.0);
      }
      break;
  }
  Duration d = leg + from_seconds(extra_s);
  if (rng.chance(link.reorder)) d += link.reorder_delay;
  return std::max(d, Duration(0));
}

bool World::link_drops(const LinkSpec& link, Rng& rng) const {
  return in_windows(link.outages, since_start()) || rng.chance(link.loss);
}

bool World::server_silent(const ServerSpec& s) const {
  const Duration t = since_start();
  if (in_windows(s.outages, t)) return true;
  if (s.kind != ServerKind::kFlapping) return false;
  return t % (s.flap_up + s.flap_down) >= s.flap_up;
}

UnixTime World::server_time(const ServerSpec& s) const {
  if (s.kind == ServerKind::kFalseticker) {
    return now_ + s.lie + from_seconds(to_seconds(since_start()) * s.lie_drift_ppm * 1e-6);
  }
  return now_ + s.offset;
}

void World::start(int i) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  n.clock.advance_to(now_);
  for (std::size_t u = 0; u < n.ups.size(); ++u) {
    sync::SourceInfo info;
    const Upstream& up = n.ups[u];
    info.name = up.is_node ? nodes_[static_cast<std::size_t>(up.index)].stats.name
                           : sc_.servers[static_cast<std::size_t>(up.index)].name;
    info.reference_id = 0x0a000001u + static_cast<std::uint32_t>(u);
    n.ups[u].id = *n.engine.add_source(info, n.clock.mono());
  }
  n.started = true;
  if (n.spec->step_rate_per_hour > 0.0) {
    Event st{now_ + from_seconds(n.rng.exponential(3600.0 / n.spec->step_rate_per_hour)), 0,
             EventKind::kStep};
    st.node = i;
    st.generation = 1;  // random: schedules the next one
    push(st);
  }
  schedule_wake(i);
}

void World::schedule_wake(int i) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  MonoTime next = MonoTime::max();
  for (const Upstream& up : n.ups) next = std::min(next, n.engine.next_poll_at(up.id));
  if (n.pending_update) next = std::min(next, *n.pending_update);
  if (next == MonoTime::max()) return;
  Event e{std::max(now_, n.clock.true_time_of_mono(next)), 0, EventKind::kWake};
  e.node = i;
  e.generation = ++n.wake_generation;
  push(e);
}

void World::wake(int i, std::uint64_t generation) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  if (generation != n.wake_generation) return;  // superseded
  n.clock.advance_to(now_);
  const MonoTime mono = n.clock.mono();
  for (std::size_t u = 0; u < n.ups.size(); ++u) {
    if (n.engine.next_poll_at(n.ups[u].id) <= mono) poll(i, static_cast<int>(u));
  }
  if (n.pending_update && *n.pending_update <= mono) {
    n.pending_update.reset();
    do_update(i);
  }
  schedule_wake(i);
}

void World::poll(int i, int u) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  Upstream& up = n.ups[static_cast<std::size_t>(u)];
  (void)n.engine.on_poll_sent(up.id, n.clock.mono());
  ++n.stats.polls;
  const UnixTime t1 = n.clock.system();
  up.last_t1 = t1;
  Event deadline{n.clock.true_time_of_mono(n.clock.mono() + kPollTimeout), 0, EventKind::kTimeout};
  deadline.node = i;
  deadline.upstream = u;
  deadline.exchange.t1 = t1;
  push(deadline);
  if (link_drops(*up.link, up.out_rng)) {
    ++n.stats.lost;
    return;
  }
  Event e{now_ + draw_delay(*up.link, up.out_rng, true), 0, EventKind::kRequest};
  e.node = i;
  e.upstream = u;
  e.exchange.t1 = t1;
  push(e);
}

void World::request(const Event& e) {
  Node& n = nodes_[static_cast<std::size_t>(e.node)];
  Upstream& up = n.ups[static_cast<std::size_t>(e.upstream)];
  sync::Exchange x = e.exchange;
  Duration processing{0};
  if (up.is_node) {
    Node& server = nodes_[static_cast<std::size_t>(up.index)];
    if (!server.started) {
      ++n.stats.lost;
      return;
    }
    server.clock.advance_to(now_);
    const UnixTime sys = server.clock.system();
    const ClockSnapshot& s = server.engine.snapshot();
    x.t2 = s.virtual_time(sys);
    x.server.stratum = s.stratum;
    x.server.reference_id = s.reference_id;
    x.server.root_delay = s.root_delay;
    x.server.root_dispersion = s.root_dispersion_at(sys);
    x.server.leap = s.status == SyncStatus::kUnsynchronized ? Leap::kUnknown : s.leap;
    x.server.precision_log2 = s.precision_log2;
    processing = server.spec->processing;
  } else {
    const ServerSpec& s = sc_.servers[static_cast<std::size_t>(up.index)];
    if (server_silent(s)) {
      ++n.stats.lost;
      return;
    }
    x.t2 = server_time(s);
    x.server.stratum = s.stratum;
    x.server.reference_id = refid_from_ascii("GPS\0");
    x.server.root_delay = s.root_delay;
    x.server.root_dispersion = s.root_dispersion;
    x.server.leap = Leap::kNone;
    processing = s.processing;
  }
  x.t3 = x.t2 + processing;
  if (link_drops(*up.link, up.back_rng)) {
    ++n.stats.lost;
    return;
  }
  Event r{now_ + processing + draw_delay(*up.link, up.back_rng, false), 0, EventKind::kReply};
  r.node = e.node;
  r.upstream = e.upstream;
  r.exchange = x;
  push(r);
}

void World::reply(const Event& e) {
  Node& n = nodes_[static_cast<std::size_t>(e.node)];
  Upstream& up = n.ups[static_cast<std::size_t>(e.upstream)];
  if (!up.last_t1 || *up.last_t1 != e.exchange.t1) {
    ++n.stats.stale;  // not the answer to the latest request: an NTP client drops it
    return;
  }
  up.last_t1.reset();
  n.clock.advance_to(now_);
  sync::Exchange x = e.exchange;
  x.t4 = n.clock.system();
  if (n.engine.on_sample(up.id, x, n.clock.mono()).ok()) {
    ++n.stats.replies;
  } else {
    ++n.stats.rejected;  // the daemon still runs update() after an unusable reply
  }
  do_update(e.node);
  schedule_wake(e.node);
}

// The poll got no reply in time: it failed, as in the daemon, which then runs update().
void World::timeout(const Event& e) {
  Node& n = nodes_[static_cast<std::size_t>(e.node)];
  Upstream& up = n.ups[static_cast<std::size_t>(e.upstream)];
  if (!up.last_t1 || *up.last_t1 != e.exchange.t1) return;  // answered (or superseded)
  up.last_t1.reset();  // a reply after this is dropped as stale
  n.clock.advance_to(now_);
  do_update(e.node);
  schedule_wake(e.node);
}

void World::step(int i, Duration amount) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  n.clock.advance_to(now_);
  n.clock.step(amount);
  if (n.started && n.spec->announce_steps) {
    // The daemon sees realtime − monotonic jump, measured within ±uncertainty.
    const double u = to_seconds(n.spec->step_uncertainty);
    n.engine.on_system_clock_step(amount + from_seconds(n.rng.uniform(-u, u)),
                                  n.spec->step_uncertainty);
  }
}

void World::check(int i, const ClockSnapshot& s) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  if (!has_bound(s.status)) return;
  const UnixTime sys = n.clock.system();
  const Duration error = abs_d(s.virtual_time(sys) - now_);
  const Duration bound = s.error_bound_at(sys);
  ++n.stats.checks;
  if (error > bound) {
    ++n.stats.violations;
    n.stats.worst_violation = std::max(n.stats.worst_violation, error - bound);
  }
}

void World::do_update(int i) {
  Node& n = nodes_[static_cast<std::size_t>(i)];
  const ClockSnapshot before = n.engine.snapshot();
  check(i, before);
  const UnixTime sys = n.clock.system();
  const sync::UpdateResult r = n.engine.update(n.clock.mono(), sys);
  ++n.stats.updates;
  n.pending_update = r.next_update_at;
  if (has_bound(before.status)) {
    const Duration jump = abs_d(r.snapshot.virtual_time(sys) - before.virtual_time(sys));
    n.stats.max_jump = std::max(n.stats.max_jump, jump);
    if (jump > before.error_bound_at(sys)) ++n.stats.jumps_beyond_bound;
  }
  for (const sync::Event& ev : r.events) {
    if (ev.kind == sync::EventKind::kStepped || ev.kind == sync::EventKind::kForcedInsane) {
      ++n.stats.steps;
    }
    if (ev.kind == sync::EventKind::kSynchronized && !n.stats.time_to_sync) {
      n.stats.time_to_sync = since_start() - n.spec->start;
    }
  }
  if (n.has_liars) {
    const std::vector<sync::SourceStatus> states = n.engine.sources();
    for (const Upstream& up : n.ups) {
      if (up.liar &&
          states[static_cast<std::size_t>(up.id)].state == sync::SourceState::kSelected) {
        ++n.stats.falseticker_selections;
      }
    }
  }
  check(i, n.engine.snapshot());
}

void World::tick() {
  scratch_errors_.clear();
  scratch_abs_.clear();
  scratch_bounds_.clear();
  char line[160];
  const double t_s = to_seconds(since_start());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    n.clock.advance_to(now_);
    const ClockSnapshot& s = n.engine.snapshot();
    const UnixTime sys = n.clock.system();
    const Duration error = s.virtual_time(sys) - now_;
    const Duration bound = s.error_bound_at(sys);
    const bool bounded = has_bound(s.status);
    if (bounded) {
      const Duration a = abs_d(error);
      n.stats.abs_error_ns.push_back(a.count());
      ++n.stats.ticks_checked;
      ++n.stats.checks;
      const sync::EngineConfig& ec = n.spec->engine;
      if (s.poll_log2 == std::min(ec.learning_poll, ec.minpoll)) ++n.stats.ticks_learning;
      if (a <= bound) {
        ++n.stats.ticks_contained;
      } else {
        ++n.stats.violations;
        n.stats.worst_violation = std::max(n.stats.worst_violation, a - bound);
      }
      scratch_errors_.push_back(error);
      scratch_abs_.push_back(a);
      scratch_bounds_.push_back(bound);
    }
    n.stats.final_status = s.status;
    n.stats.final_error = error;
    n.stats.final_bound = bound;
    if (csv_ != nullptr) {
      std::snprintf(line, sizeof line, "%.3f,%s,%s,%" PRId64 ",%s,%d,%d,%.4f\n", t_s,
                    n.stats.name.c_str(), sync_status_name(s.status),
                    static_cast<std::int64_t>(error.count()),
                    bounded ? std::to_string(bound.count()).c_str() : "", s.poll_log2, s.stratum,
                    s.frequency_ppm);
      *csv_ << line;
    }
  }
  SeriesPoint p;
  p.t = since_start();
  p.synced = static_cast<int>(scratch_abs_.size());
  if (!scratch_abs_.empty()) {
    const auto [lo, hi] = std::minmax_element(scratch_errors_.begin(), scratch_errors_.end());
    p.disagreement = *hi - *lo;
    result_.max_disagreement = std::max(result_.max_disagreement, p.disagreement);
    p.max_abs_error = *std::max_element(scratch_abs_.begin(), scratch_abs_.end());
    p.min_bound = *std::min_element(scratch_bounds_.begin(), scratch_bounds_.end());
    p.max_bound = *std::max_element(scratch_bounds_.begin(), scratch_bounds_.end());
    const std::size_t mid = (scratch_abs_.size() - 1) / 2;
    std::nth_element(scratch_abs_.begin(), scratch_abs_.begin() + static_cast<long>(mid),
                     scratch_abs_.end());
    p.p50_abs_error = scratch_abs_[mid];
    std::nth_element(scratch_bounds_.begin(), scratch_bounds_.begin() + static_cast<long>(mid),
                     scratch_bounds_.end());
    p.p50_bound = scratch_bounds_[mid];
  }
  // Long runs: one plotted point per ticks_per_point_ ticks (worst case of each).
  if (tick_index_ % ticks_per_point_ == 0 || result_.series.empty()) {
    result_.series.push_back(p);
  } else {
    SeriesPoint& q = result_.series.back();
    const bool q_empty = q.synced == 0;
    q.synced = std::max(q.synced, p.synced);
    if (p.synced > 0) {
      q.max_abs_error = std::max(q.max_abs_error, p.max_abs_error);
      q.p50_abs_error = std::max(q.p50_abs_error, p.p50_abs_error);
      q.min_bound = q_empty ? p.min_bound : std::min(q.min_bound, p.min_bound);
      q.p50_bound = std::max(q.p50_bound, p.p50_bound);
      q.max_bound = std::max(q.max_bound, p.max_bound);
      q.disagreement = std::max(q.disagreement, p.disagreement);
    }
  }
  ++tick_index_;
  if (since_start() + sc_.sample_interval <= sc_.duration) {
    push(Event{now_ + sc_.sample_interval, 0, EventKind::kTick});
  }
}

void World::run() {
  const UnixTime end = kEpoch + sc_.duration;
  while (!queue_.empty()) {
    const Event e = queue_.top();
    if (e.at > end) break;
    queue_.pop();
    now_ = e.at;
    ++result_.events;
    switch (e.kind) {
      case EventKind::kStart:
        start(e.node);
        break;
      case EventKind::kWake:
        wake(e.node, e.generation);
        break;
      case EventKind::kRequest:
        request(e);
        break;
      case EventKind::kReply:
        reply(e);
        break;
      case EventKind::kTimeout:
        timeout(e);
        break;
      case EventKind::kStep: {
        Node& n = nodes_[static_cast<std::size_t>(e.node)];
        Duration amount = e.amount;
        if (e.generation == 1) {  // random step: draw it and schedule the next
          const double size_s = to_seconds(n.spec->step_size);
          amount = from_seconds(n.rng.uniform(-size_s, size_s));
          Event next{now_ + from_seconds(n.rng.exponential(3600.0 / n.spec->step_rate_per_hour)), 0,
                     EventKind::kStep};
          next.node = e.node;
          next.generation = 1;
          push(next);
        }
        step(e.node, amount);
        break;
      }
      case EventKind::kTick:
        tick();
        break;
    }
  }
}

SimResult World::take_result() {
  for (Node& n : nodes_) {
    std::sort(n.stats.abs_error_ns.begin(), n.stats.abs_error_ns.end());
    result_.nodes.push_back(std::move(n.stats));
  }
  return std::move(result_);
}

}  // namespace

Result<SimResult> run_simulation(const Scenario& scenario, std::ostream* csv) {
  if (Status s = validate_scenario(scenario); !s.ok()) return s;
  World world(scenario, csv);
  world.build();
  world.run();
  return world.take_result();
}

}  // namespace kairos::sim
