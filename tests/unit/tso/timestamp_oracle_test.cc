#include "tso/timestamp_oracle.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "kairos/clock.h"
#include "kairos/hybrid_timestamp.h"
#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

using testing::MemoryStore;

std::uint64_t ms_of(UnixTime t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count());
}

TEST(HybridTimestamp, LayoutIs46PhysicalAnd18Logical) {
  const std::uint64_t ts = make_hybrid_timestamp(1767225600123, 5);
  EXPECT_EQ(hybrid_physical_ms(ts), 1767225600123u);
  EXPECT_EQ(hybrid_logical(ts), 5u);
  EXPECT_EQ(ts, (std::uint64_t{1767225600123} << 18) | 5);
  EXPECT_LT(make_hybrid_timestamp(10, kHybridLogicalLimit - 1), make_hybrid_timestamp(11, 0));
  EXPECT_EQ(hybrid_physical_time(ts), UnixTime(milliseconds(1767225600123)));
}

TEST(TimestampOracle, FirstTimestampIsNowAndWindowIsPersistedBeforeServing) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {});
  EXPECT_EQ(oracle.allocate(1, clock.realtime()).status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  EXPECT_EQ(store.get("ts"), ms_of(clock.realtime()) + 3000);
  Result<std::uint64_t> ts = oracle.allocate(10, clock.realtime());
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(hybrid_physical_ms(*ts), ms_of(clock.realtime()));
  EXPECT_EQ(hybrid_logical(*ts), 0u);
  Result<std::uint64_t> next = oracle.allocate(1, clock.realtime());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, *ts + 10);  // contiguous, strictly after the range
  EXPECT_EQ(store.writes(), 1);
}

TEST(TimestampOracle, NewMillisecondResetsLogical) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  ASSERT_TRUE(oracle.allocate(7, clock.realtime()).ok());
  clock.advance(milliseconds(5));
  Result<std::uint64_t> ts = oracle.allocate(1, clock.realtime());
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(hybrid_physical_ms(*ts), ms_of(clock.realtime()));
  EXPECT_EQ(hybrid_logical(*ts), 0u);
}

TEST(TimestampOracle, LogicalOverflowMovesPhysicalOneMillisecondAhead) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  const std::uint64_t now_ms = ms_of(clock.realtime());
  Result<std::uint64_t> a = oracle.allocate(kHybridLogicalLimit - 1, clock.realtime());
  ASSERT_TRUE(a.ok());
  Result<std::uint64_t> b = oracle.allocate(2, clock.realtime());  // does not fit in this ms
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(hybrid_physical_ms(*b), now_ms + 1);
  EXPECT_EQ(hybrid_logical(*b), 0u);
  EXPECT_GT(*b, *a + kHybridLogicalLimit - 2);
}

TEST(TimestampOracle, ServingPastTheWindowWritesANewOneFirst) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {.window = seconds(3)});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  clock.advance(seconds(3));  // now == stored bound: nothing may be served below it
  store.fail_writes(Status::Unavailable("disk gone"));
  Result<std::uint64_t> refused = oracle.allocate(1, clock.realtime());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  store.fail_writes(Status::Ok());
  Result<std::uint64_t> ts = oracle.allocate(1, clock.realtime());
  ASSERT_TRUE(ts.ok());
  EXPECT_LT(hybrid_physical_ms(*ts), store.get("ts"));
  EXPECT_EQ(store.get("ts"), ms_of(clock.realtime()) + 3000);
  EXPECT_EQ(store.writes(), 2);
}

TEST(TimestampOracle, ExtendsEarlyAtHalfTheWindow) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {.window = seconds(3)});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  EXPECT_FALSE(oracle.wants_extension(clock.realtime()));
  clock.advance(milliseconds(1600));
  EXPECT_TRUE(oracle.wants_extension(clock.realtime()));
  ASSERT_TRUE(oracle.extend(clock.realtime()).ok());
  EXPECT_FALSE(oracle.wants_extension(clock.realtime()));
  EXPECT_EQ(oracle.limit_ms(), ms_of(clock.realtime()) + 3000);
}

TEST(TimestampOracle, RestartIsAboveEverythingServedEvenWithTheClockBehind) {
  ManualClock clock;
  MemoryStore store;
  std::uint64_t last = 0;
  {
    TimestampOracle oracle(store, {});
    ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
    clock.advance(milliseconds(2500));
    Result<std::uint64_t> ts = oracle.allocate(100, clock.realtime());
    ASSERT_TRUE(ts.ok());
    last = *ts + 99;
  }                                  // crash: nothing but the store survives
  clock.step_realtime(-seconds(2));  // and the clock went back
  TimestampOracle again(store, {});
  ASSERT_TRUE(again.recover(clock.realtime()).ok());
  Result<std::uint64_t> ts = again.allocate(1, clock.realtime());
  ASSERT_TRUE(ts.ok());
  EXPECT_GT(*ts, last);
  EXPECT_GE(hybrid_physical_ms(*ts), ms_of(clock.realtime()));
}

TEST(TimestampOracle, QuickRestartsDoNotRunAheadOfTheClock) {
  ManualClock clock;
  MemoryStore store;
  for (int i = 0; i < 20; ++i) {
    TimestampOracle oracle(store, {});
    ASSERT_TRUE(oracle.recover(clock.realtime()).ok()) << i;
    ASSERT_TRUE(oracle.allocate(1, clock.realtime()).ok());
    clock.advance(milliseconds(10));
  }
  EXPECT_LE(store.get("ts"), ms_of(clock.realtime()) + 3000);
}

TEST(TimestampOracle, RefusesWhenTheClockIsBehindThePersistedWindowByMoreThanThePanic) {
  ManualClock clock;
  MemoryStore store;
  store.set("ts", ms_of(clock.realtime()) + 11000);
  TimestampOracle oracle(store, {.window = seconds(3), .panic_threshold = seconds(10)});
  Status s = oracle.recover(clock.realtime());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("panic threshold"), std::string::npos) << s.message();
  EXPECT_EQ(store.get("ts"), ms_of(clock.realtime()) + 11000);  // untouched
  EXPECT_EQ(oracle.allocate(1, clock.realtime()).status().code(), StatusCode::kFailedPrecondition);
  clock.advance(seconds(2));  // within the threshold now
  EXPECT_TRUE(oracle.recover(clock.realtime()).ok());
}

TEST(TimestampOracle, RefusesAfterTheClockStepsBackPastThePanic) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {.window = seconds(3), .panic_threshold = seconds(10)});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  Result<std::uint64_t> before = oracle.allocate(1, clock.realtime());
  ASSERT_TRUE(before.ok());
  clock.step_realtime(-seconds(5));  // within the threshold: keep serving, never backwards
  Result<std::uint64_t> mid = oracle.allocate(1, clock.realtime());
  ASSERT_TRUE(mid.ok());
  EXPECT_GT(*mid, *before);
  clock.step_realtime(-seconds(10));
  Result<std::uint64_t> after = oracle.allocate(1, clock.realtime());
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(after.status().message().find("behind"), std::string::npos);
}

TEST(TimestampOracle, BadCountsAreRejectedWithClearErrors) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {.max_count = 1000});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  Result<std::uint64_t> zero = oracle.allocate(0, clock.realtime());
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  Result<std::uint64_t> big = oracle.allocate(1001, clock.realtime());
  EXPECT_EQ(big.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(big.status().message().find("limit of 1000"), std::string::npos);
}

TEST(TimestampOracle, AWindowMovedByAnotherWriterStopsServing) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  store.set("ts", ms_of(clock.realtime()) + 5000);  // a new leader took over
  clock.advance(seconds(3));
  Result<std::uint64_t> ts = oracle.allocate(1, clock.realtime());
  EXPECT_EQ(ts.status().code(), StatusCode::kUnavailable);
  // Even within the old window it stays stopped.
  EXPECT_FALSE(oracle.allocate(1, clock.realtime()).ok());
  EXPECT_EQ(store.get("ts"), ms_of(clock.realtime()) + 2000);
}

TEST(TimestampOracle, AWriteWhoseAnswerWasLostDoesNotStopServing) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {});
  const std::uint64_t t0 = ms_of(clock.realtime());
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());  // bound t0 + 3000
  const std::uint64_t before = *oracle.allocate(1, clock.realtime());
  clock.advance(milliseconds(1600));
  store.lose_next_answer(Status::Unavailable("etcd: timed out"));
  EXPECT_EQ(oracle.extend(clock.realtime()).code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.get("ts"), t0 + 4600);  // it was written all the same
  EXPECT_EQ(oracle.limit_ms(), t0 + 3000);
  // Past the confirmed bound the oracle must write again; it finds its own lost write.
  clock.advance(milliseconds(1900));
  Result<std::uint64_t> after = oracle.allocate(1, clock.realtime());
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_GT(*after, before);
  EXPECT_EQ(oracle.limit_ms(), t0 + 6500);
  EXPECT_EQ(store.get("ts"), t0 + 6500);
}

TEST(TimestampOracle, OptionsAreValidated) {
  EXPECT_TRUE(validate(TimestampOracleOptions{}).ok());
  EXPECT_FALSE(validate(TimestampOracleOptions{.window = microseconds(10)}).ok());
  EXPECT_FALSE(
      validate(TimestampOracleOptions{.window = seconds(3), .panic_threshold = seconds(3)}).ok());
  EXPECT_FALSE(validate(TimestampOracleOptions{.max_count = (1 << 18) + 1}).ok());
}

TEST(TimestampOracle, ConcurrentCallersGetUniqueIncreasingValues) {
  ManualClock clock;
  MemoryStore store;
  TimestampOracle oracle(store, {.window = milliseconds(5), .panic_threshold = seconds(1)});
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  constexpr int kThreads = 4;
  constexpr int kCalls = 2000;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        if (t == 0 && i % 100 == 0) clock.advance(milliseconds(1));
        Result<std::uint64_t> ts = oracle.allocate(3, clock.realtime());
        ASSERT_TRUE(ts.ok()) << ts.status().ToString();
        got[t].push_back(*ts);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (const auto& v : got) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) {
        EXPECT_GT(v[i], v[i - 1] + 2);
      }
      for (std::uint64_t k = 0; k < 3; ++k) EXPECT_TRUE(all.insert(v[i] + k).second);
    }
  }
  EXPECT_GT(store.writes(), 1);
}

}  // namespace
}  // namespace kairos::tso
