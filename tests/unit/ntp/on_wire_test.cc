#include "kairos/ntp/on_wire.h"

#include <gtest/gtest.h>

#include "kairos/ntp/kiss_code.h"

namespace kairos::ntp {
namespace {

const NtpTimestamp kT1 = NtpTimestamp::from_unix(UnixTime(seconds(1'800'000'000)));

std::array<std::uint8_t, kHeaderSize> reply(Duration t2_after_t1, Duration t3_after_t1,
                                            std::uint8_t stratum = 3) {
  NtpPacket p;
  p.mode = Mode::kServer;
  p.stratum = stratum;
  p.origin_time = kT1;
  p.receive_time = kT1 + t2_after_t1;
  p.transmit_time = kT1 + t3_after_t1;
  std::array<std::uint8_t, kHeaderSize> b{};
  encode_header(p, b);
  return b;
}

TEST(OnWireTest, FourTimestampFormula) {
  // Server 5 ms ahead, 1 ms each way, 0.2 ms in the server: T2 = T1+6ms, T3 = T1+6.2ms,
  // T4 = T1+2.2ms.
  const auto b = reply(milliseconds(6), microseconds(6200));
  Result<OnWireSample> s = evaluate_reply(b, kT1, kT1 + microseconds(2200));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NEAR(static_cast<double>(s->offset.count()), 5e6, 2);
  EXPECT_NEAR(static_cast<double>(s->delay.count()), 2e6, 2);
}

TEST(OnWireTest, RejectsWrongOriginModeKodAndUnsynchronized) {
  const auto b = reply(milliseconds(1), milliseconds(1));
  EXPECT_EQ(evaluate_reply(b, kT1 + seconds(1), kT1 + milliseconds(2)).status().code(),
            StatusCode::kInvalidArgument);
  auto kod = reply(milliseconds(1), milliseconds(1), 0);
  kod[12] = 'R', kod[13] = 'A', kod[14] = 'T', kod[15] = 'E';
  Result<OnWireSample> k = evaluate_reply(kod, kT1, kT1 + milliseconds(2));
  ASSERT_EQ(k.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(k.status().message().find("RATE"), std::string::npos);
  auto unsync = reply(milliseconds(1), milliseconds(1), 16);
  EXPECT_EQ(evaluate_reply(unsync, kT1, kT1 + milliseconds(2)).status().code(),
            StatusCode::kFailedPrecondition);
  auto client = reply(milliseconds(1), milliseconds(1));
  client[0] = 0x23;
  EXPECT_FALSE(evaluate_reply(client, kT1, kT1 + milliseconds(2)).ok());
  const auto backwards = reply(milliseconds(2), milliseconds(1));
  EXPECT_FALSE(evaluate_reply(backwards, kT1, kT1 + milliseconds(3)).ok());
  EXPECT_FALSE(evaluate_reply(std::span(b).first(40), kT1, kT1).ok());
}

}  // namespace
}  // namespace kairos::ntp
