#include "tso/advance_mark.h"

#include <gtest/gtest.h>

#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

using testing::MemoryStore;

TEST(AdvanceMark, WritesTheTargetAndRemembersIt) {
  MemoryStore store;
  KnownMark mark;
  EXPECT_EQ(*advance_mark(store, "ts", mark, 100), 100u);
  EXPECT_EQ(*advance_mark(store, "ts", mark, 250), 250u);
  EXPECT_EQ(store.get("ts"), 250u);
  EXPECT_EQ(mark.value, 250u);
  EXPECT_FALSE(mark.unknown);
  EXPECT_EQ(store.writes(), 2);
}

TEST(AdvanceMark, AFailedWriteIsReadBackBeforeTheNext) {
  MemoryStore store;
  KnownMark mark;
  ASSERT_TRUE(advance_mark(store, "ts", mark, 100).ok());
  // Lost answer, landed write: the next advance starts from it.
  store.lose_next_answer(Status::Unavailable("timed out"));
  EXPECT_EQ(advance_mark(store, "ts", mark, 300).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(mark.unknown);
  EXPECT_EQ(*advance_mark(store, "ts", mark, 200), 300u);  // never below what it wrote
  EXPECT_EQ(mark.value, 300u);
  EXPECT_FALSE(mark.unknown);
  // A write that failed and did not land: the read finds the old value.
  store.fail_writes(Status::Unavailable("disk full"));
  EXPECT_FALSE(advance_mark(store, "ts", mark, 400).ok());
  store.fail_writes(Status::Ok());
  EXPECT_EQ(*advance_mark(store, "ts", mark, 400), 400u);
  // While the store cannot be read the view stays unknown.
  store.fail_writes(Status::Unavailable("disk full"));
  EXPECT_FALSE(advance_mark(store, "ts", mark, 500).ok());
  store.fail_writes(Status::Ok());
  store.fail_loads(Status::Unavailable("etcd down"));
  EXPECT_EQ(advance_mark(store, "ts", mark, 500).status().message(), "etcd down");
  EXPECT_TRUE(mark.unknown);
}

TEST(AdvanceMark, AMarkMovedByAnotherWriterIsRefused) {
  MemoryStore store;
  KnownMark mark;
  ASSERT_TRUE(advance_mark(store, "ts", mark, 100).ok());
  store.set("ts", 900);
  EXPECT_EQ(advance_mark(store, "ts", mark, 200).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.get("ts"), 900u);
}

TEST(AdvanceMark, AStoreThatWentBackwardsIsRefused) {
  MemoryStore store;
  KnownMark mark;
  ASSERT_TRUE(advance_mark(store, "ts", mark, 100).ok());
  store.fail_writes(Status::Unavailable("timed out"));
  EXPECT_FALSE(advance_mark(store, "ts", mark, 200).ok());
  store.fail_writes(Status::Ok());
  store.set("ts", 50);  // a restored backup, a wiped etcd
  const Result<std::uint64_t> r = advance_mark(store, "ts", mark, 200);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "mark 'ts' reads 50, below the 100 this writer stored");
}

}  // namespace
}  // namespace kairos::tso
