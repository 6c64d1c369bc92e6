#include "tso/sequencer.h"

#include <gtest/gtest.h>

#include <vector>

#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

using testing::MemoryStore;

TEST(Sequencer, StartsAtOneAndIsContiguousPerName) {
  MemoryStore store;
  Sequencer seq(store, {.block = 100});
  EXPECT_EQ(*seq.next("orders", 1), 1u);
  EXPECT_EQ(*seq.next("orders", 5), 2u);
  EXPECT_EQ(*seq.next("orders", 1), 7u);
  EXPECT_EQ(*seq.next("events", 1), 1u);  // independent
  EXPECT_EQ(store.get("seq/orders"), 102u);
  EXPECT_EQ(store.writes(), 2);
}

TEST(Sequencer, OneStoreWritePerBlock) {
  MemoryStore store;
  Sequencer seq(store, {.block = 1000});
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(seq.next("n", 1).ok());
  EXPECT_EQ(store.writes(), 5);
}

TEST(Sequencer, RestartResumesAboveTheStoredBlock) {
  MemoryStore store;
  std::uint64_t last = 0;
  {
    Sequencer seq(store, {.block = 100});
    for (int i = 0; i < 150; ++i) last = *seq.next("n", 1);
  }
  Sequencer again(store, {.block = 100});
  Result<std::uint64_t> v = again.next("n", 1);
  ASSERT_TRUE(v.ok());
  EXPECT_GT(*v, last);
  EXPECT_LE(*v, last + 101);  // the gap is at most one block
}

TEST(Sequencer, StoreFailureServesNothingBeyondTheBound) {
  MemoryStore store;
  Sequencer seq(store, {.block = 10});
  ASSERT_EQ(*seq.next("n", 5), 1u);  // bound 16
  store.fail_writes(Status::Unavailable("disk full"));
  EXPECT_EQ(*seq.next("n", 10), 6u);  // 6..15 fit under the bound
  Result<std::uint64_t> v = seq.next("n", 1);
  EXPECT_EQ(v.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(v.status().message().find("disk full"), std::string::npos);
  store.fail_writes(Status::Ok());
  EXPECT_EQ(*seq.next("n", 1), 16u);
}

TEST(Sequencer, AWriteWhoseAnswerWasLostDoesNotStopServing) {
  MemoryStore store;
  Sequencer seq(store, {.block = 10});
  ASSERT_EQ(*seq.next("n", 5), 1u);  // bound 16
  ASSERT_EQ(*seq.next("other", 1), 1u);
  store.lose_next_answer(Status::Unavailable("etcd: timed out"));
  EXPECT_EQ(seq.next("n", 20).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.get("seq/n"), 36u);  // it was written all the same
  // The next write finds it and goes on from there: no number is skipped or repeated.
  EXPECT_EQ(*seq.next("n", 20), 6u);
  EXPECT_EQ(*seq.next("n", 1), 26u);
  EXPECT_EQ(*seq.next("other", 1), 2u);
}

TEST(Sequencer, BadRequestsGetClearErrors) {
  MemoryStore store;
  Sequencer seq(store, {.max_count = 100, .max_names = 2});
  EXPECT_EQ(seq.next("n", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(seq.next("n", 101).status().code(), StatusCode::kOutOfRange);
  for (std::string_view bad :
       std::vector<std::string_view>{"", "-x", "a b", "a/b", "ä", std::string_view("x\0y", 3)}) {
    Result<std::uint64_t> r = seq.next(bad, 1);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("sequence name"), std::string::npos);
  }
  EXPECT_FALSE(seq.next(std::string(65, 'a'), 1).ok());
  EXPECT_TRUE(seq.next(std::string(64, 'a'), 1).ok());
  EXPECT_TRUE(seq.next("A.b_c-9", 1).ok());
  Result<std::uint64_t> third = seq.next("third", 1);
  EXPECT_EQ(third.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(third.status().message().find("too many sequences"), std::string::npos);
}

TEST(Sequencer, ExhaustionIsAnErrorNotAWrap) {
  MemoryStore store;
  store.set("seq/n", ~std::uint64_t{0} - 5);
  Sequencer seq(store, {.block = 100});
  Result<std::uint64_t> v = seq.next("n", 3);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, ~std::uint64_t{0} - 5);
  EXPECT_EQ(seq.next("n", 10).status().code(), StatusCode::kOutOfRange);
}

TEST(Sequencer, ABoundMovedByAnotherWriterStopsServingUntilRecover) {
  MemoryStore store;
  Sequencer seq(store, {.block = 10});
  ASSERT_TRUE(seq.next("n", 1).ok());
  store.set("seq/n", 500);
  EXPECT_EQ(seq.next("n", 20).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(seq.next("n", 1).status().code(), StatusCode::kUnavailable);
  seq.recover();
  EXPECT_EQ(*seq.next("n", 1), 500u);
  seq.stop_serving(Status::FailedPrecondition("not leader"));
  EXPECT_EQ(seq.next("n", 1).status().message(), "not leader");
}

}  // namespace
}  // namespace kairos::tso
