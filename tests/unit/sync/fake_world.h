// A small deterministic world for the sync engine's tests: true time, primary servers
// (honest or lying), client nodes with an offset and a drifting system clock, each running
// the REAL sync::Engine, and links with a base delay plus seeded random jitter. A node may
// also serve its own virtual clock to others (a chain of tiers).
//
// The world is an event loop in true time. It polls when each engine asks
// (next_poll_at), delivers replies after the link delay, calls update() after every reply,
// every unanswered poll (as the daemon does at a timeout) and when a slew ends, and after
// every update checks — also at points in between — that every synchronized node's error
// bound contains the true time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sync/engine.h"

namespace kairos::sync::testing {

struct Link {
  Duration base_delay = microseconds(200);  // each way
  Duration jitter = microseconds(100);      // mean of an exponential extra delay, each way
};

struct ServerSpec {
  Duration lie{0};  // served time = true time + lie
  std::uint8_t stratum = 1;
  Duration root_dispersion = microseconds(10);
  bool up = true;
};

struct Upstream {
  bool is_node = false;  // false: servers[index]; true: nodes[index] serves its virtual clock
  int index = 0;
  Link link;
};

struct NodeSpec {
  Duration initial_offset{0};  // system − true at the start (positive: system ahead)
  double drift_ppm = 0.0;      // system clock rate error (positive: runs fast)
  EngineConfig config;
  std::vector<Upstream> upstreams;
  std::string name = "node";
};

struct Violation {
  int node;
  UnixTime true_time;
  Duration error;  // virtual − true
  Duration bound;
};

class FakeWorld {
 public:
  using Hook = std::function<void(int node, const UpdateResult&, UnixTime true_now)>;

  FakeWorld(std::vector<ServerSpec> servers, std::vector<NodeSpec> nodes, std::uint64_t seed);

  // Advances true time by `d`, running every event on the way.
  void run_for(Duration d);
  void set_hook(Hook hook) { hook_ = std::move(hook); }

  ServerSpec& server(int i) { return servers_[static_cast<std::size_t>(i)]; }
  Engine& engine(int node) { return nodes_[static_cast<std::size_t>(node)].engine; }
  SourceId source_id(int node, int upstream) const;
  UnixTime true_now() const { return now_; }
  Duration elapsed() const { return now_ - start_; }
  // The node's system clock at true time t, and its virtual clock.
  UnixTime system_at(int node, UnixTime t) const;
  Duration virtual_error(int node) const;  // virtual − true, now
  // Steps a node's system clock by d without telling its engine (someone ran `date`).
  void step_system_clock(int node, Duration d);
  // Turns off the containment check (for scenarios that break the world's honesty).
  void set_check_bounds(bool on) { check_bounds_ = on; }
  const std::vector<Violation>& violations() const { return violations_; }
  // The largest |virtual − true| of a synchronized node seen at any check from now on.
  void track_error_from_now() {
    tracking_ = true;
    max_abs_error_.assign(nodes_.size(), Duration(0));
  }
  Duration max_abs_error(int node) const { return max_abs_error_[static_cast<std::size_t>(node)]; }
  std::int64_t bound_checks() const { return bound_checks_; }

 private:
  struct Node {
    NodeSpec spec;
    Engine engine;
    std::vector<SourceId> ids;
    Duration extra_step{0};
    std::optional<MonoTime> pending_update;
  };
  MonoTime mono_at(const Node& n, UnixTime t) const;
  UnixTime true_at_mono(const Node& n, MonoTime m) const;
  Duration draw_delay(const Link& link);
  void poll(int node, int upstream);
  void do_update(int node);
  void check_bounds(UnixTime t);

  std::vector<ServerSpec> servers_;
  std::vector<Node> nodes_;
  std::mt19937_64 rng_;
  UnixTime start_;
  UnixTime now_;
  Hook hook_;
  bool check_bounds_ = true;
  bool tracking_ = false;
  std::vector<Duration> max_abs_error_;
  std::vector<Violation> violations_;
  std::int64_t bound_checks_ = 0;
};

}  // namespace kairos::sync::testing

// Definitions (header-only: tests are compiled from *_test.cc files only).
namespace kairos::sync::testing {

inline constexpr MonoTime kMonoStart = MonoTime(seconds(1000));

inline FakeWorld::FakeWorld(std::vector<ServerSpec> servers, std::vector<NodeSpec> nodes,
                            std::uint64_t seed)
    : servers_(std::move(servers)), rng_(seed) {
  start_ = UnixTime(seconds(1'780'000'000));
  now_ = start_;
  for (NodeSpec& spec : nodes) {
    Node n{spec, Engine(spec.config), {}, Duration(0), std::nullopt};
    for (std::size_t u = 0; u < spec.upstreams.size(); ++u) {
      const Upstream& up = spec.upstreams[u];
      SourceInfo info;
      info.name = (up.is_node ? "node" : "server") + std::to_string(up.index);
      info.reference_id = 0x7f000001u + static_cast<std::uint32_t>(u);
      n.ids.push_back(*n.engine.add_source(info, mono_at(n, now_)));
    }
    nodes_.push_back(std::move(n));
  }
}

inline SourceId FakeWorld::source_id(int node, int upstream) const {
  return nodes_[static_cast<std::size_t>(node)].ids[static_cast<std::size_t>(upstream)];
}

inline UnixTime FakeWorld::system_at(int node, UnixTime t) const {
  const Node& n = nodes_[static_cast<std::size_t>(node)];
  return t + n.spec.initial_offset + n.extra_step +
         from_seconds(to_seconds(t - start_) * n.spec.drift_ppm * 1e-6);
}

// The monotonic clock ticks with the system clock's oscillator but never steps.
inline MonoTime FakeWorld::mono_at(const Node& n, UnixTime t) const {
  return kMonoStart + (t - start_) + from_seconds(to_seconds(t - start_) * n.spec.drift_ppm * 1e-6);
}

inline UnixTime FakeWorld::true_at_mono(const Node& n, MonoTime m) const {
  const double s = to_seconds(m - kMonoStart) / (1.0 + n.spec.drift_ppm * 1e-6);
  // Round up so the event is never processed before the engine's deadline.
  return start_ + from_seconds(s) + nanoseconds(1);
}

inline Duration FakeWorld::virtual_error(int node) const {
  const Node& n = nodes_[static_cast<std::size_t>(node)];
  return n.engine.snapshot().virtual_time(system_at(node, now_)) - now_;
}

inline void FakeWorld::step_system_clock(int node, Duration d) {
  nodes_[static_cast<std::size_t>(node)].extra_step += d;
}

inline Duration FakeWorld::draw_delay(const Link& link) {
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // [0, 1)
  return link.base_delay + from_seconds(-std::log(1.0 - u) * to_seconds(link.jitter));
}

inline void FakeWorld::poll(int node_index, int upstream) {
  Node& n = nodes_[static_cast<std::size_t>(node_index)];
  const Upstream& up = n.spec.upstreams[static_cast<std::size_t>(upstream)];
  const SourceId id = n.ids[static_cast<std::size_t>(upstream)];
  (void)n.engine.on_poll_sent(id, mono_at(n, now_));
  Exchange x;
  x.t1 = system_at(node_index, now_);
  const UnixTime arrive = now_ + draw_delay(up.link);
  const Duration processing = microseconds(5);
  if (up.is_node) {
    const ClockSnapshot& s = nodes_[static_cast<std::size_t>(up.index)].engine.snapshot();
    const UnixTime server_system = system_at(up.index, arrive);
    x.t2 = s.virtual_time(server_system);
    x.server.stratum = s.stratum;
    x.server.reference_id = s.reference_id;
    x.server.root_delay = s.root_delay;
    x.server.root_dispersion = s.root_dispersion_at(server_system);
    x.server.leap = s.status == SyncStatus::kUnsynchronized ? Leap::kUnknown : s.leap;
  } else {
    const ServerSpec& s = servers_[static_cast<std::size_t>(up.index)];
    if (!s.up) {
      do_update(node_index);  // as the daemon does when a poll times out
      return;
    }
    x.t2 = arrive + s.lie;
    x.server.stratum = s.stratum;
    x.server.reference_id = refid_from_ascii("GPS\0");
    x.server.root_dispersion = s.root_dispersion;
    x.server.leap = Leap::kNone;
  }
  x.t3 = x.t2 + processing;
  const UnixTime back = arrive + processing + draw_delay(up.link);
  // Replies come back well before any other event (links are sub-millisecond).
  now_ = back;
  x.t4 = system_at(node_index, back);
  if (n.engine.on_sample(id, x, mono_at(n, now_)).ok()) do_update(node_index);
}

inline void FakeWorld::do_update(int node_index) {
  Node& n = nodes_[static_cast<std::size_t>(node_index)];
  const UpdateResult r = n.engine.update(mono_at(n, now_), system_at(node_index, now_));
  n.pending_update = r.next_update_at;
  check_bounds(now_);
  if (hook_) hook_(node_index, r, now_);
}

inline void FakeWorld::check_bounds(UnixTime t) {
  if (!check_bounds_) return;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const ClockSnapshot& s = nodes_[i].engine.snapshot();
    if (s.status != SyncStatus::kSynchronized && s.status != SyncStatus::kFreeRunning) continue;
    const UnixTime sys = system_at(static_cast<int>(i), t);
    const Duration error = s.virtual_time(sys) - t;
    const Duration bound = s.error_bound_at(sys);
    ++bound_checks_;
    if (tracking_) {
      max_abs_error_[i] = std::max(max_abs_error_[i], error < Duration(0) ? -error : error);
    }
    if (error > bound || -error > bound) {
      violations_.push_back({static_cast<int>(i), t, error, bound});
    }
  }
}

inline void FakeWorld::run_for(Duration d) {
  const UnixTime end = now_ + d;
  for (;;) {
    // The earliest event: a poll or a pending update of some node.
    UnixTime next = end;
    int node = -1, upstream = -1;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      for (std::size_t u = 0; u < n.ids.size(); ++u) {
        const UnixTime t = std::max(now_, true_at_mono(n, n.engine.next_poll_at(n.ids[u])));
        if (t < next) next = t, node = static_cast<int>(i), upstream = static_cast<int>(u);
      }
      if (n.pending_update) {
        const UnixTime t = std::max(now_, true_at_mono(n, *n.pending_update));
        if (t < next) next = t, node = static_cast<int>(i), upstream = -1;
      }
    }
    // Between events nothing changes: check the bound at a few points on the way.
    for (int k = 1; k <= 3; ++k) check_bounds(now_ + (next - now_) * k / 4);
    now_ = next;
    if (node < 0) break;
    if (upstream >= 0) {
      poll(node, upstream);
    } else {
      nodes_[static_cast<std::size_t>(node)].pending_update.reset();
      do_update(node);
    }
  }
  check_bounds(now_);
}

}  // namespace kairos::sync::testing
