#include "server/reply_builder.h"

#include <gtest/gtest.h>

#include <vector>

#include "kairos/clock.h"
#include "kairos/ntp/kiss_code.h"

namespace kairos::server {
namespace {

using ntp::kHeaderSize;

std::vector<std::uint8_t> request(std::uint8_t version, ntp::Mode mode, std::size_t size = 48) {
  ntp::NtpPacket p;
  p.version = version;
  p.mode = mode;
  p.poll_log2 = 7;
  p.transmit_time = NtpTimestamp::from_parts(0xe7000000, 0xabcdef01);
  std::vector<std::uint8_t> b(size < kHeaderSize ? kHeaderSize : size, 0);
  ntp::encode_header(p, std::span(b).first<kHeaderSize>());
  b.resize(size);
  return b;
}

class ReplyBuilderTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  const UnixTime t0_ = clock_.realtime();
  ClockSnapshot snap_ = local_clock_snapshot(t0_, 10);
  std::array<std::uint8_t, kHeaderSize> out_{};
};

TEST_F(ReplyBuilderTest, AnswersAClientRequest) {
  const auto req = request(4, ntp::Mode::kClient);
  const UnixTime rx = t0_ + milliseconds(5);
  const UnixTime now = rx + microseconds(20);
  ASSERT_EQ(build_reply(req, rx, snap_, now, out_), RequestVerdict::kReply);
  Result<ntp::NtpPacket> r = ntp::decode_header(out_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mode, ntp::Mode::kServer);
  EXPECT_EQ(r->version, 4);
  EXPECT_EQ(r->stratum, 10);
  EXPECT_EQ(r->leap, ntp::LeapIndicator::kNoWarning);
  EXPECT_EQ(r->reference_id, refid_from_ascii("LOCL"));
  EXPECT_EQ(r->poll_log2, 7);
  EXPECT_EQ(r->origin_time, NtpTimestamp::from_parts(0xe7000000, 0xabcdef01));
  EXPECT_EQ(r->receive_time, NtpTimestamp::from_unix(rx));
  EXPECT_EQ(r->transmit_time, NtpTimestamp::from_unix(now));
  EXPECT_EQ(r->reference_time, NtpTimestamp::from_unix(t0_));
}

TEST_F(ReplyBuilderTest, ServesVirtualTimeAndGrowingDispersion) {
  snap_.offset = milliseconds(3);
  snap_.max_drift_ppm = 100;
  const auto req = request(4, ntp::Mode::kClient);
  const UnixTime rx = t0_ + seconds(10);
  ASSERT_EQ(build_reply(req, rx, snap_, rx, out_), RequestVerdict::kReply);
  Result<ntp::NtpPacket> r = ntp::decode_header(out_);
  EXPECT_EQ(r->receive_time, NtpTimestamp::from_unix(rx + milliseconds(3)));
  // 1 us + 100 ppm of 10 s = 1.001 ms, rounded up to 16.16.
  EXPECT_GE(r->root_dispersion.to_duration(), microseconds(1001));
  EXPECT_LT(r->root_dispersion.to_duration(), microseconds(1030));
}

TEST_F(ReplyBuilderTest, UnsynchronizedIsLeapAlarmAndStratum16) {
  snap_.status = SyncStatus::kUnsynchronized;
  ASSERT_EQ(build_reply(request(4, ntp::Mode::kClient), t0_, snap_, t0_, out_),
            RequestVerdict::kReply);
  Result<ntp::NtpPacket> r = ntp::decode_header(out_);
  EXPECT_EQ(r->leap, ntp::LeapIndicator::kAlarm);
  EXPECT_EQ(r->stratum, 16);
}

TEST_F(ReplyBuilderTest, EchoesVersionsOneToFour) {
  for (std::uint8_t v = 1; v <= 4; ++v) {
    ASSERT_EQ(build_reply(request(v, ntp::Mode::kClient), t0_, snap_, t0_, out_),
              RequestVerdict::kReply);
    EXPECT_EQ(ntp::peek_version(out_), v);
    EXPECT_EQ(ntp::peek_mode(out_), ntp::Mode::kServer);
  }
  // NTPv1 had no mode field: mode 0 from a v1 client is a client request.
  EXPECT_EQ(build_reply(request(1, ntp::Mode::kReserved), t0_, snap_, t0_, out_),
            RequestVerdict::kReply);
}

TEST_F(ReplyBuilderTest, DropsWhatItMustNotAnswer) {
  for (int v : {0, 5, 6, 7}) {
    EXPECT_EQ(build_reply(request(static_cast<std::uint8_t>(v), ntp::Mode::kClient), t0_, snap_, t0_, out_),
              RequestVerdict::kDropVersion);
  }
  EXPECT_EQ(build_reply(request(2, ntp::Mode::kControl), t0_, snap_, t0_, out_),
            RequestVerdict::kDropControl);
  EXPECT_EQ(build_reply(request(2, ntp::Mode::kPrivate), t0_, snap_, t0_, out_),
            RequestVerdict::kDropControl);
  for (ntp::Mode m : {ntp::Mode::kReserved, ntp::Mode::kSymmetricActive, ntp::Mode::kServer,
                      ntp::Mode::kBroadcast}) {
    EXPECT_EQ(build_reply(request(4, m), t0_, snap_, t0_, out_), RequestVerdict::kDropMode);
  }
  for (std::size_t size : {0u, 1u, 47u}) {
    std::vector<std::uint8_t> b(size, 0x23);
    EXPECT_EQ(build_reply(b, t0_, snap_, t0_, out_), RequestVerdict::kDropMalformed);
  }
  EXPECT_EQ(build_reply(request(4, ntp::Mode::kClient, 55), t0_, snap_, t0_, out_),
            RequestVerdict::kDropMalformed);
}

TEST_F(ReplyBuilderTest, ExtensionFieldsAndMacsAreNotEchoed) {
  auto req = request(4, ntp::Mode::kClient, 48 + 20);  // 48 + a 20-byte MAC
  ASSERT_EQ(build_reply(req, t0_, snap_, t0_, out_), RequestVerdict::kReply);
  // The reply is the 48-byte array: nothing of the request beyond 48 bytes can be in it.
  EXPECT_EQ(out_.size(), kHeaderSize);
}

TEST_F(ReplyBuilderTest, StampTransmitNeverPrecedesReceive) {
  const auto req = request(4, ntp::Mode::kClient);
  const UnixTime rx = t0_ + seconds(1);
  ASSERT_EQ(build_reply(req, rx, snap_, rx, out_), RequestVerdict::kReply);
  stamp_transmit(out_, snap_, rx + microseconds(7));
  EXPECT_EQ(ntp::decode_header(out_)->transmit_time, NtpTimestamp::from_unix(rx + microseconds(7)));
  stamp_transmit(out_, snap_, rx - seconds(1));  // the clock stepped back
  EXPECT_EQ(ntp::decode_header(out_)->transmit_time, NtpTimestamp::from_unix(rx));
}

TEST_F(ReplyBuilderTest, KissOfDeathTellsNoTime) {
  const auto req = request(3, ntp::Mode::kClient);
  build_kiss_reply(req, ntp::kKissRate, out_);
  Result<ntp::NtpPacket> r = ntp::decode_header(out_);
  EXPECT_TRUE(ntp::is_kiss_of_death(*r));
  EXPECT_EQ(r->leap, ntp::LeapIndicator::kAlarm);
  EXPECT_EQ(r->version, 3);
  EXPECT_EQ(r->reference_id, ntp::kKissRate);
  EXPECT_EQ(r->origin_time, NtpTimestamp::from_parts(0xe7000000, 0xabcdef01));
  EXPECT_EQ(r->transmit_time, r->origin_time);
}

}  // namespace
}  // namespace kairos::server
