// The real engine in the fake world: convergence, honest bounds, falsetickers,
// free-running, step/slew/panic rules, poll growth, and a three-tier chain.
#include "sync/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "unit/sync/fake_world.h"

namespace kairos::sync {
namespace {

using testing::FakeWorld;
using testing::NodeSpec;
using testing::ServerSpec;
using testing::Upstream;

Duration abs_d(Duration d) { return d < Duration(0) ? -d : d; }

NodeSpec client(Duration offset, double drift_ppm, int servers) {
  NodeSpec n;
  n.initial_offset = offset;
  n.drift_ppm = drift_ppm;
  for (int i = 0; i < servers; ++i) n.upstreams.push_back(Upstream{false, i, {}});
  return n;
}

std::string describe(const std::vector<testing::Violation>& v) {
  if (v.empty()) return "none";
  return std::to_string(v.size()) + " violations, first at +" +
         format_duration(v[0].true_time - UnixTime(seconds(1'780'000'000))) + ": error " +
         format_duration(v[0].error) + " bound " + format_duration(v[0].bound);
}

// Tracks what every update published, for assertions over a whole run.
struct Recorder {
  std::vector<Event> events;
  int updates = 0;
  double max_slew_ppm = 0.0;
  double max_slew_above_drift_ppm = 0.0;
  std::vector<std::pair<Duration, int>> steps;  // (elapsed, update number)
  void attach(FakeWorld& world, int node) {
    world.set_hook([this, &world, node](int n, const UpdateResult& r, UnixTime) {
      if (n != node) return;
      if (r.snapshot.status == SyncStatus::kSynchronized) ++updates;  // clock updates
      max_slew_ppm = std::max(max_slew_ppm, std::abs(r.slew_ppm));
      max_slew_above_drift_ppm =
          std::max(max_slew_above_drift_ppm, std::abs(r.snapshot.frequency_ppm - r.frequency_ppm));
      for (const Event& e : r.events) {
        events.push_back(e);
        if (e.kind == EventKind::kStepped) steps.emplace_back(world.elapsed(), updates);
      }
    });
  }
  int count(EventKind kind) const {
    int c = 0;
    for (const Event& e : events) c += e.kind == kind;
    return c;
  }
};

TEST(EngineTest, ConvergesWithinOneMillisecondInThirtySecondsAndBoundHolds) {
  for (const Duration offset :
       {Duration(milliseconds(3)), Duration(seconds(-5)), Duration(milliseconds(200))}) {
    FakeWorld world({ServerSpec{}, ServerSpec{}, ServerSpec{}}, {client(offset, 40.0, 3)}, 7);
    Recorder rec;
    rec.attach(world, 0);
    world.run_for(seconds(30));
    EXPECT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
    EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1)) << format_duration(offset);
    world.track_error_from_now();
    world.run_for(hours(2));
    EXPECT_LT(world.max_abs_error(0), milliseconds(1)) << format_duration(offset);
    EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
    EXPECT_GT(world.bound_checks(), 100);
    // The drift estimate found the client's +40 ppm (offset slope is −40 ppm).
    EXPECT_NEAR(world.engine(0).drift().frequency_ppm, -40.0, 1.0);
    EXPECT_LT(rec.max_slew_ppm, 500.0 + 1e-9);
  }
}

TEST(EngineTest, BoundHoldsOverManySeedsWithNoisyAsymmetricLinks) {
  for (std::uint64_t seed = 100; seed < 108; ++seed) {
    NodeSpec n = client(milliseconds(static_cast<std::int64_t>(seed % 5) - 2),
                        static_cast<double>(seed % 7) * 15.0 - 45.0, 3);
    n.upstreams[0].link = {microseconds(100), milliseconds(2)};
    n.upstreams[1].link = {milliseconds(5), microseconds(20)};
    n.upstreams[2].link = {microseconds(500), microseconds(500)};
    std::vector<ServerSpec> servers(3);
    servers[1].stratum = 3;
    servers[1].root_dispersion = milliseconds(1);
    FakeWorld world(servers, {n}, seed);
    world.run_for(hours(3));
    EXPECT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
    EXPECT_TRUE(world.violations().empty())
        << "seed " << seed << ": " << describe(world.violations());
    EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(2)) << "seed " << seed;
  }
}

TEST(EngineTest, AnnouncedSystemClockStepKeepsTheVirtualClockAndTheBound) {
  FakeWorld world({ServerSpec{}}, {client(Duration(0), 10.0, 1)}, 47);
  world.run_for(minutes(30));
  const Duration before = world.virtual_error(0);
  world.step_system_clock(0, seconds(-3));
  world.engine(0).on_system_clock_step(seconds(-3), microseconds(10));
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(minutes(30));
  EXPECT_EQ(rec.count(EventKind::kStepped), 0);
  EXPECT_EQ(rec.count(EventKind::kSourceJumped), 0);
  EXPECT_LT(abs_d(before), milliseconds(1));
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

TEST(EngineTest, SyncsWithinSecondsThanksToTheBurst) {
  FakeWorld world({ServerSpec{}}, {client(milliseconds(50), 0.0, 1)}, 3);
  world.run_for(seconds(8));
  EXPECT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

TEST(EngineTest, TwoLiarsOfFiveAreFalsetickersAndNeverSelected) {
  std::vector<ServerSpec> servers(5);
  servers[1].lie = seconds(2);
  servers[3].lie = milliseconds(-3500);
  FakeWorld world(servers, {client(milliseconds(20), -25.0, 5)}, 11);
  int liar_selected = 0;
  world.set_hook([&](int, const UpdateResult&, UnixTime) {
    for (const SourceStatus& s : world.engine(0).sources()) {
      if ((s.id == 1 || s.id == 3) && (s.state == SourceState::kSelected || s.system_peer)) {
        ++liar_selected;
      }
    }
  });
  world.run_for(seconds(30));
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
  world.track_error_from_now();
  world.run_for(hours(1));
  EXPECT_LT(world.max_abs_error(0), milliseconds(1));
  EXPECT_EQ(liar_selected, 0);
  const std::vector<SourceStatus> st = world.engine(0).sources();
  EXPECT_EQ(st[1].state, SourceState::kFalseticker);
  EXPECT_EQ(st[3].state, SourceState::kFalseticker);
  for (int i : {0, 2, 4}) EXPECT_EQ(st[static_cast<std::size_t>(i)].state, SourceState::kSelected);
  EXPECT_EQ(st[1].reach, 0xff);
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

TEST(EngineTest, FalsetickerEventIsLoggedOnceOnTheTransition) {
  std::vector<ServerSpec> servers(3);
  servers[2].lie = seconds(3);
  FakeWorld world(servers, {client(Duration(0), 0.0, 3)}, 5);
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(minutes(30));
  EXPECT_EQ(rec.count(EventKind::kFalseticker), 1);
  EXPECT_NE(rec.events.front().message.find("server2"), std::string::npos)
      << rec.events.front().message;
}

TEST(EngineTest, BoundGrowsWhenSourcesVanishAndStatusBecomesFreeRunning) {
  FakeWorld world({ServerSpec{}, ServerSpec{}}, {client(milliseconds(2), 30.0, 2)}, 13);
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(minutes(20));
  ASSERT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
  EXPECT_TRUE(
      world.engine(0).synchronized_within(milliseconds(10), world.system_at(0, world.true_now())));
  world.server(0).up = false;
  world.server(1).up = false;
  world.run_for(hours(3));
  const ClockSnapshot& s = world.engine(0).snapshot();
  EXPECT_EQ(s.status, SyncStatus::kFreeRunning);
  EXPECT_EQ(rec.count(EventKind::kSyncLost), 1);
  for (const SourceStatus& src : world.engine(0).sources()) {
    EXPECT_EQ(src.state, SourceState::kUnreachable);
    EXPECT_EQ(src.reach, 0);
  }
  const UnixTime sys_now = world.system_at(0, world.true_now());
  const UnixTime sys_later = world.system_at(0, world.true_now() + hours(1));
  EXPECT_GT(s.error_bound_at(sys_later), s.error_bound_at(sys_now));
  EXPECT_GE(s.max_drift_ppm, 15.0);
  // 3 h at >= 15 ppm is > 160 ms: no longer within a 10 ms target.
  EXPECT_FALSE(world.engine(0).synchronized_within(milliseconds(10), sys_now));
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
  // Sources come back: synchronized again.
  world.server(0).up = true;
  world.server(1).up = true;
  world.run_for(minutes(10));
  EXPECT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

// The honest servers stop answering, the liars a little later, so the liars outlast them.
// With a loose target each source turns unreachable at its 8th missed poll, the liars one
// after the other: the last liar is the only source left for a while and, with
// min_sources = 1, is selected alone (the integration test's "-2 s liar reachable one
// update longer"). Its samples are old and were judged falseticker (or without a
// majority) before: no update may take them, or any other old sample, as a fix. The node
// coasts on its last fix: the virtual clock stays with the truth and the bound within
// that fix's envelope.
TEST(EngineTest, OldSamplesNeverMakeAFixSoALiarLeftAloneCannotSteerTheClock) {
  for (const bool swapped : {false, true}) {
    for (std::uint64_t seed : {61, 62, 63}) {
      std::vector<ServerSpec> servers(5);
      servers[3].lie = swapped ? seconds(-2) : seconds(3);
      servers[4].lie = swapped ? seconds(3) : seconds(-2);
      NodeSpec n = client(milliseconds(20), 12.0, 5);
      n.config.target_delta = seconds(1);
      FakeWorld world(servers, {n}, seed);
      world.run_for(hours(1));
      ASSERT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
      const std::string label = (swapped ? "liars -2 s, +3 s" : "liars +3 s, -2 s") +
                                std::string(", seed ") + std::to_string(seed);
      const ClockSnapshot last_fix = world.engine(0).snapshot();
      for (int i = 0; i < 3; ++i) world.server(i).up = false;
      world.track_error_from_now();
      int liar_alone_updates = 0;
      int fixes = 0;
      Duration worst_excess{0};
      world.set_hook([&](int, const UpdateResult& r, UnixTime true_now) {
        const std::vector<SourceStatus> st = world.engine(0).sources();
        int unreachable = 0;
        for (const SourceStatus& s : st) unreachable += s.state == SourceState::kUnreachable;
        const bool liar_selected = st[3].state == SourceState::kSelected ||
                                   st[4].state == SourceState::kSelected;
        liar_alone_updates += unreachable == 4 && liar_selected;
        fixes += r.snapshot.reference_time != last_fix.reference_time;
        const UnixTime sys = world.system_at(0, true_now);
        worst_excess =
            std::max(worst_excess, r.snapshot.error_bound_at(sys) - last_fix.error_bound_at(sys));
      });
      world.run_for(hours(1));
      ASSERT_EQ(world.engine(0).sources()[0].state, SourceState::kUnreachable) << label;
      world.server(3).up = false;
      world.server(4).up = false;
      world.run_for(hours(1));
      EXPECT_GE(liar_alone_updates, 1) << label << ": the scenario did not leave a liar alone";
      EXPECT_EQ(fixes, 0) << label;
      // 100 ns: rounding of the aging terms, far below any real fix's effect.
      EXPECT_LE(worst_excess, Duration(100)) << label << ": bound above the coasting envelope by "
                                             << format_duration(worst_excess);
      EXPECT_LT(world.max_abs_error(0), milliseconds(1)) << label;
      EXPECT_EQ(world.engine(0).snapshot().status, SyncStatus::kFreeRunning) << label;
      EXPECT_TRUE(world.violations().empty()) << label << ": " << describe(world.violations());
    }
  }
}

TEST(EngineTest, StepsOnlyDuringTheFirstUpdates) {
  NodeSpec n = client(milliseconds(500), 10.0, 3);
  FakeWorld world({ServerSpec{}, ServerSpec{}, ServerSpec{}}, {n}, 17);
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(minutes(10));
  ASSERT_EQ(rec.steps.size(), 1u);
  EXPECT_EQ(rec.steps[0].second, 1);
  // Someone steps the system clock by 300 ms without telling the engine: after the first
  // updates this is slewed at <= 500 ppm, never stepped.
  world.set_check_bounds(false);
  world.step_system_clock(0, milliseconds(300));
  world.run_for(minutes(20));
  EXPECT_EQ(rec.steps.size(), 1u);
  EXPECT_GE(rec.count(EventKind::kLargeSlew), 1);
  EXPECT_NEAR(rec.max_slew_ppm, 500.0, 1e-6);
  EXPECT_LT(rec.max_slew_above_drift_ppm, 500.0 + 1e-6);
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));  // 300 ms at 500 ppm: 600 s
}

TEST(EngineTest, AllowStepStepsLargeCorrectionsAtAnyTime) {
  NodeSpec n = client(Duration(0), 0.0, 1);
  n.config.allow_step = true;
  FakeWorld world({ServerSpec{}}, {n}, 19);
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(minutes(10));
  world.set_check_bounds(false);
  world.step_system_clock(0, milliseconds(300));
  // Long enough for a poll after the step: by now the poll interval may be 512 s.
  world.run_for(minutes(20));
  ASSERT_EQ(rec.steps.size(), 1u);
  EXPECT_GT(rec.steps[0].second, 3);
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
}

TEST(EngineTest, SlewIsBoundedAndTheBoundCoversTheRemainder) {
  // No step at all: a 60 ms initial error is slewed at <= 500 ppm (>= 120 s).
  NodeSpec n = client(milliseconds(60), 20.0, 2);
  n.config.step_updates = 0;
  FakeWorld world({ServerSpec{}, ServerSpec{}}, {n}, 23);
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(seconds(60));
  EXPECT_EQ(rec.steps.size(), 0u);
  EXPECT_GT(abs_d(world.virtual_error(0)), milliseconds(20));  // still slewing
  world.run_for(minutes(5));
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
  EXPECT_LE(rec.max_slew_ppm, 500.0 + 1e-9);
  EXPECT_GT(rec.max_slew_ppm, 400.0);
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

TEST(EngineTest, InsaneCorrectionIsRefusedUnlessForced) {
  {
    FakeWorld world({ServerSpec{}}, {client(seconds(2000), 0.0, 1)}, 29);
    Recorder rec;
    rec.attach(world, 0);
    world.run_for(minutes(5));
    EXPECT_GE(rec.count(EventKind::kRefusedInsane), 1);
    EXPECT_EQ(rec.count(EventKind::kStepped), 0);
    const ClockSnapshot& s = world.engine(0).snapshot();
    EXPECT_EQ(s.status, SyncStatus::kUnsynchronized);
    EXPECT_EQ(s.stratum, 16);
    EXPECT_EQ(s.leap, Leap::kUnknown);
    EXPECT_GT(world.virtual_error(0), seconds(1999));  // the correction was not applied
    EXPECT_FALSE(
        world.engine(0).synchronized_within(seconds(100000), world.system_at(0, world.true_now())));
  }
  {
    NodeSpec n = client(seconds(2000), 0.0, 1);
    n.config.force = true;
    FakeWorld world({ServerSpec{}}, {n}, 29);
    Recorder rec;
    rec.attach(world, 0);
    world.run_for(minutes(5));
    EXPECT_EQ(rec.count(EventKind::kForcedInsane), 1);
    EXPECT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
    EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
    EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
  }
}

TEST(EngineTest, PollGrowsWhenDriftAndJitterAreSmallRelativeToTheTarget) {
  auto final_poll = [](Duration target, Duration jitter) {
    NodeSpec n = client(Duration(0), 5.0, 1);
    n.config.target_delta = target;
    n.upstreams[0].link.jitter = jitter;
    FakeWorld world({ServerSpec{}}, {n}, 31);
    world.run_for(hours(6));
    EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
    return world.engine(0).snapshot().poll_log2;
  };
  const int relaxed = final_poll(milliseconds(100), microseconds(50));
  const int strict = final_poll(milliseconds(2), microseconds(50));
  const int noisy = final_poll(milliseconds(2), milliseconds(3));
  EXPECT_EQ(relaxed, 10);  // maxpoll
  EXPECT_EQ(noisy, 6);     // minpoll: jitter eats the whole target
  EXPECT_LT(strict, relaxed);
}

// A 15 ms path: each sample is within ±15 ms, so even 32 points 8 s apart leave the drift
// error far above max_drift (about 3·15 ms / 248 s = 180 ppm). Learning must still end
// once the points cover what a full window at the learning poll spans, 31·8 s = 248 s (not
// sooner, though several servers and the burst fill the window with closer points), rather
// than polling every 8 s forever: the error then keeps shrinking at the policy's poll.
TEST(EngineTest, LongPathLeavesTheLearningPollOnceTheWindowSpansWhatLearningCanGive) {
  for (const int servers : {1, 3}) {
    NodeSpec n = client(milliseconds(20), 25.0, servers);
    for (Upstream& u : n.upstreams) u.link = {milliseconds(15), milliseconds(1)};
    FakeWorld world(std::vector<ServerSpec>(static_cast<std::size_t>(servers)), {n}, 53);
    const std::int8_t learning_poll = n.config.learning_poll;
    std::optional<Duration> left;  // when the poll first rose above learning_poll after sync
    double error_when_left_ppm = 0.0;
    int learning_updates = 0;
    world.set_hook([&](int, const UpdateResult& r, UnixTime) {
      if (r.snapshot.status != SyncStatus::kSynchronized || left) return;
      if (r.snapshot.poll_log2 == learning_poll) {
        ++learning_updates;
      } else if (learning_updates > 0) {
        left = world.elapsed();
        error_when_left_ppm = r.frequency_error_ppm;
      }
    });
    world.run_for(hours(1));
    ASSERT_TRUE(left.has_value()) << servers << " servers: still polling every 8 s after 1 h";
    EXPECT_GE(*left, seconds(248)) << servers << " servers: " << format_duration(*left);
    EXPECT_LT(*left, seconds(248 + 16)) << servers << " servers: " << format_duration(*left);
    EXPECT_GT(error_when_left_ppm, n.config.max_drift_ppm) << servers << " servers";
    EXPECT_GE(world.engine(0).snapshot().poll_log2, n.config.minpoll);
    EXPECT_LT(world.engine(0).drift().error_ppm, error_when_left_ppm / 4)
        << servers << " servers: the longer poll spreads the window";
    EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
  }
}

TEST(EngineTest, ThreeTierChainDeliversStratumAndRootDistance) {
  NodeSpec a = client(milliseconds(4), 20.0, 1);
  a.name = "tier2";
  NodeSpec b;
  b.name = "tier3";
  b.initial_offset = milliseconds(-7);
  b.drift_ppm = -35.0;
  b.upstreams.push_back(Upstream{true, 0, {microseconds(300), microseconds(80)}});
  FakeWorld world({ServerSpec{}}, {a, b}, 37);
  world.run_for(minutes(1));
  EXPECT_LT(abs_d(world.virtual_error(1)), milliseconds(1));
  world.run_for(hours(1));
  const ClockSnapshot& sa = world.engine(0).snapshot();
  const ClockSnapshot& sb = world.engine(1).snapshot();
  EXPECT_EQ(sa.stratum, 2);
  EXPECT_EQ(sb.stratum, 3);
  EXPECT_EQ(sb.reference_id, 0x7f000001u);  // the refid given to node b's source
  const SourceStatus peer = world.engine(1).sources()[0];
  EXPECT_TRUE(peer.system_peer);
  EXPECT_EQ(peer.stratum, 2);
  // root delay = source root delay + measured delay; root dispersion >= source's + jitter.
  EXPECT_EQ(sb.root_delay, peer.root_delay + peer.delay);
  EXPECT_GE(sb.root_dispersion, peer.root_dispersion + peer.jitter);
  EXPECT_GT(sb.root_delay, sa.root_delay);
  EXPECT_GT(sb.error_bound, sa.error_bound / 2);
  EXPECT_LT(abs_d(world.virtual_error(1)), milliseconds(1));
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

TEST(EngineTest, WaitsForTheBurstBeforeTheFirstFixSoAnEarlyLiarCannotSetTheClock) {
  std::vector<ServerSpec> servers(3);
  servers[0].lie = seconds(3);  // polled first
  FakeWorld world(servers, {client(Duration(0), 0.0, 3)}, 41);
  Recorder rec;
  rec.attach(world, 0);
  world.run_for(minutes(2));
  EXPECT_EQ(rec.count(EventKind::kStepped), 0);
  EXPECT_LT(abs_d(world.virtual_error(0)), milliseconds(1));
}

TEST(EngineTest, DriftFileSeedsTheEstimate) {
  NodeSpec n = client(Duration(0), 12.0, 1);
  FakeWorld world({ServerSpec{}}, {n}, 43);
  world.run_for(hours(1));
  const DriftState saved = world.engine(0).drift();
  EXPECT_NEAR(saved.frequency_ppm, -12.0, 0.5);
  EXPECT_LT(saved.error_ppm, 1.0);
  Result<DriftState> loaded = parse_drift(drift_to_text(saved));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Engine fresh;
  fresh.load_drift(*loaded);
  EXPECT_NEAR(fresh.drift().frequency_ppm, saved.frequency_ppm, 1e-6);
  EXPECT_NEAR(fresh.drift().error_ppm, saved.error_ppm, 1e-6);
}

TEST(EngineTest, RejectsUnknownSourcesAndUnusableReplies) {
  Engine e;
  const MonoTime now(seconds(5));
  EXPECT_EQ(e.on_poll_sent(3, now).code(), StatusCode::kNotFound);
  const SourceId id = *e.add_source({"s", 1}, now);
  Exchange x;
  x.t1 = UnixTime(seconds(100));
  x.t2 = x.t3 = UnixTime(seconds(100));
  x.t4 = UnixTime(seconds(101));
  x.server.stratum = 16;
  x.server.leap = Leap::kNone;
  const Status s = e.on_sample(id, x, now);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("stratum 16"), std::string::npos) << s.message();
  EXPECT_EQ(e.sources()[0].samples, 0);
}


// A reference source answering (or not) on the engine's schedule, system clock = truth.
struct ScheduledSource {
  MonoTime mono{seconds(1000)};
  UnixTime system{seconds(1'780'000'000)};
  Engine engine;
  SourceId id;

  explicit ScheduledSource(EngineConfig c) : engine(c), id(*engine.add_source({"ref", 1}, mono)) {
    engine.load_drift(DriftState{0.0, 0.01});  // a known drift: no learning poll
  }
  // Waits for the next poll, sends it, and answers it when `answer`; returns the wait.
  Duration poll(bool answer) {
    const MonoTime at = engine.next_poll_at(id);
    const Duration wait = at - mono;
    system += wait;
    mono = at;
    (void)engine.on_poll_sent(id, mono);
    if (answer) {
      (void)engine.on_sample(id, sample_from_reference(system, Duration(0), microseconds(10), 1),
                             mono);
    }
    (void)engine.update(mono, system);
    return wait;
  }
};

TEST(EngineTest, ASourceThatMissedTwoPollsIsPolledAtMinpollUntilItAnswers) {
  EngineConfig c;
  c.minpoll = 4;
  c.maxpoll = 10;
  c.target_delta = seconds(1);  // lots of headroom: the poll climbs to maxpoll
  ScheduledSource src(c);
  for (int i = 0; i < 40 && src.engine.snapshot().poll_log2 < 8; ++i) src.poll(true);
  ASSERT_EQ(src.engine.snapshot().poll_log2, 8);
  EXPECT_GE(src.poll(false), seconds(256));  // the first miss waited a full poll...
  EXPECT_GE(src.poll(false), seconds(256));  // ...and so did the second (decided before it)
  EXPECT_EQ(src.poll(false), seconds(16));   // two missed: back to minpoll (2^4)
  EXPECT_EQ(src.poll(false), seconds(16));
  EXPECT_EQ(src.poll(true), seconds(16));  // at minpoll until a reply came...
  EXPECT_GE(src.poll(true), seconds(256));  // ...then the system poll again
}

TEST(EngineTest, AQuietSourceTooFarForTheTargetIsUnreachableAfterFourPollsNotEight) {
  EngineConfig c;
  c.target_delta = milliseconds(1);  // a tight target: a few minutes of aging exceed it
  FakeWorld world({ServerSpec{}}, {NodeSpec{Duration(0), 5.0, c, {Upstream{false, 0, {}}}}}, 53);
  world.run_for(minutes(30));
  ASSERT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
  world.server(0).up = false;
  const Duration down_at = world.elapsed();
  std::optional<Duration> free_running_after;
  std::uint8_t reach_then = 0;
  world.set_hook([&](int, const UpdateResult& r, UnixTime) {
    if (free_running_after || r.snapshot.status != SyncStatus::kFreeRunning) return;
    free_running_after = world.elapsed() - down_at;
    reach_then = world.engine(0).sources()[0].reach;
  });
  world.run_for(minutes(30));
  ASSERT_TRUE(free_running_after.has_value());
  // Polled at minpoll (64 s) after two misses: four misses take well under 8 polls.
  EXPECT_LE(*free_running_after, minutes(6)) << format_duration(*free_running_after);
  EXPECT_NE(reach_then, 0) << "the four-miss rule, not an empty reach register, decided";
  EXPECT_EQ(reach_then & 0x0f, 0);
  EXPECT_EQ(world.engine(0).sources()[0].state, SourceState::kUnreachable);
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

TEST(EngineTest, AQuietSourceStillWithinTheTargetStaysSelected) {
  EngineConfig c;
  c.target_delta = seconds(1);  // four minutes of aging stay far inside this target
  FakeWorld world({ServerSpec{}}, {NodeSpec{Duration(0), 5.0, c, {Upstream{false, 0, {}}}}}, 59);
  world.run_for(minutes(30));
  ASSERT_EQ(world.engine(0).snapshot().status, SyncStatus::kSynchronized);
  world.server(0).up = false;
  bool saw_four_misses_selected = false;
  world.set_hook([&](int, const UpdateResult& r, UnixTime) {
    const SourceStatus st = world.engine(0).sources()[0];
    if ((st.reach & 0x0f) == 0 && st.reach != 0 && st.state == SourceState::kSelected &&
        r.snapshot.status == SyncStatus::kSynchronized) {
      saw_four_misses_selected = true;
    }
  });
  // Up to 1024 s per poll until two are missed, then 64 s: four misses within 40 min.
  world.run_for(minutes(45));
  EXPECT_TRUE(saw_four_misses_selected);
  EXPECT_TRUE(world.violations().empty()) << describe(world.violations());
}

}  // namespace
}  // namespace kairos::sync
