#include "cli/request_ring.h"

#include <gtest/gtest.h>

namespace kairos::cli {
namespace {

TEST(RequestRingTest, AnswersEachOutstandingRequestOnce) {
  RequestRing ring(8);
  ring.sent(100);
  ring.sent(200);
  EXPECT_EQ(ring.outstanding(), 2u);
  EXPECT_EQ(ring.answer(1), std::optional<std::int64_t>(200));
  EXPECT_EQ(ring.answer(1), std::nullopt) << "a duplicate reply";
  EXPECT_EQ(ring.answer(2), std::nullopt) << "never sent";
  EXPECT_EQ(ring.answer(0), std::optional<std::int64_t>(100));
  EXPECT_EQ(ring.outstanding(), 0u);
}

TEST(RequestRingTest, OldRequestsAreLost) {
  RequestRing ring(8);
  ring.sent(100);
  ring.sent(300);
  EXPECT_EQ(ring.expire(/*lost_before_ns=*/200, /*room=*/1), 1u);
  EXPECT_EQ(ring.outstanding(), 1u);
  EXPECT_EQ(ring.answer(0), std::nullopt) << "a reply after the loss limit";
  EXPECT_EQ(ring.answer(1), std::optional<std::int64_t>(300));
}

// The bug this class was written for: one request never answered, the rest answered, and
// batches of 4 sent after a full ring. Expiring the stuck request must not mark a newer
// request sharing its slot as answered, so every reply to a new request is recognised.
TEST(RequestRingTest, ABatchNeverReusesATrackedSlot) {
  constexpr std::size_t kBatch = 4;
  RequestRing ring(16);
  ring.sent(0);  // request 0 is never answered
  for (int round = 0; round < 20; ++round) {
    ring.expire(/*lost_before_ns=*/-1, kBatch);
    const std::uint64_t first = ring.next();
    for (std::size_t i = 0; i < kBatch; ++i) ring.sent(1000 + round);
    for (std::size_t i = 0; i < kBatch; ++i) {
      EXPECT_EQ(ring.answer(first + i), std::optional<std::int64_t>(1000 + round))
          << "round " << round << " request " << first + i;
    }
  }
  EXPECT_EQ(ring.answer(0), std::nullopt) << "the stuck request left the book for room";
  EXPECT_EQ(ring.outstanding(), 0u);
}

}  // namespace
}  // namespace kairos::cli
