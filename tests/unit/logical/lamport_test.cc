#include "kairos/logical/lamport.h"

#include <gtest/gtest.h>

namespace kairos::logical {
namespace {

TEST(LamportTest, TickSendReceive) {
  LamportClock a(1), b(2);
  EXPECT_EQ(a.tick(), (LamportStamp{1, 1}));
  const LamportStamp m = a.send();
  EXPECT_EQ(m, (LamportStamp{2, 1}));
  b.tick();
  Result<LamportStamp> r = b.receive(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (LamportStamp{3, 2}));  // max(1, 2) + 1
  EXPECT_EQ(compare(m, *r), Order::kBefore);
  // A remote stamp behind the local counter still advances by one.
  EXPECT_EQ(b.receive(LamportStamp{1, 1})->counter, 4u);
}

TEST(LamportTest, TotalOrderBreaksTiesByProcess) {
  EXPECT_EQ(compare(LamportStamp{5, 1}, LamportStamp{5, 2}), Order::kBefore);
  EXPECT_EQ(compare(LamportStamp{6, 1}, LamportStamp{5, 2}), Order::kAfter);
  EXPECT_EQ(compare(LamportStamp{5, 2}, LamportStamp{5, 2}), Order::kEqual);
}

TEST(LamportTest, OverflowIsAnErrorAndLeavesTheClock) {
  LamportClock c(1, UINT64_MAX - 1);
  EXPECT_FALSE(c.receive(LamportStamp{UINT64_MAX, 2}).ok());
  EXPECT_EQ(c.counter(), UINT64_MAX - 1);
  EXPECT_TRUE(c.can_advance());
  c.tick();
  EXPECT_FALSE(c.can_advance());
}

TEST(LamportTest, Encodings) {
  const LamportStamp s{0x0102030405060708, 0x0a0b0c0d};
  const auto bytes = s.encode();
  EXPECT_EQ(bytes[0], 0x01);
  EXPECT_EQ(bytes[11], 0x0d);
  EXPECT_EQ(*LamportStamp::decode(bytes), s);
  EXPECT_FALSE(LamportStamp::decode(std::span(bytes).first(11)).ok());
  EXPECT_EQ(s.to_string(), "72623859790382856@168496141");
  EXPECT_EQ(*LamportStamp::parse(s.to_string()), s);
  EXPECT_EQ(*LamportStamp::parse("18446744073709551615@4294967295"),
            (LamportStamp{UINT64_MAX, UINT32_MAX}));
  for (std::string_view bad : {"", "1", "1@", "@1", "01@1", "1@4294967296",
                               "18446744073709551616@1", "1@2x", "-1@2", "1 @2"}) {
    Result<LamportStamp> r = LamportStamp::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

}  // namespace
}  // namespace kairos::logical
