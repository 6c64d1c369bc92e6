#include "kairos/ntp/packet.h"

#include <gtest/gtest.h>

#include <vector>

#include "kairos/ntp/kiss_code.h"

namespace kairos::ntp {
namespace {

NtpPacket sample_packet() {
  NtpPacket p;
  p.leap = LeapIndicator::kLastMinute61;
  p.version = 4;
  p.mode = Mode::kServer;
  p.stratum = 2;
  p.poll_log2 = 6;
  p.precision_log2 = -23;
  p.root_delay = NtpShort::from_raw(0x00012345);
  p.root_dispersion = NtpShort::from_raw(0x00006789);
  p.reference_id = 0xc0a80001;
  p.reference_time = NtpTimestamp::from_parts(0xe7a1b2c3, 0x11111111);
  p.origin_time = NtpTimestamp::from_parts(0xe7a1b2c4, 0x22222222);
  p.receive_time = NtpTimestamp::from_parts(0xe7a1b2c5, 0x33333333);
  p.transmit_time = NtpTimestamp::from_parts(0xe7a1b2c6, 0x44444444);
  return p;
}

TEST(PacketTest, HeaderRoundTripsAndMatchesTheWireLayout) {
  std::uint8_t buf[kHeaderSize];
  encode_header(sample_packet(), buf);
  EXPECT_EQ(buf[0], 0x64);  // LI 1, VN 4, mode 4
  EXPECT_EQ(buf[1], 2);
  EXPECT_EQ(buf[3], 0xe9);  // -23
  EXPECT_EQ(buf[12], 0xc0);
  EXPECT_EQ(buf[40], 0xe7);
  EXPECT_EQ(buf[47], 0x44);
  Result<NtpPacket> back = decode_header(buf);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sample_packet());
}

TEST(PacketTest, ShortInputIsAnErrorThatSaysSo) {
  std::vector<std::uint8_t> b(47, 0);
  Result<DecodedPacket> d = decode_packet(b);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("47 bytes"), std::string::npos);
  EXPECT_FALSE(decode_packet({}).ok());
}

TEST(PacketTest, ExtensionFieldsRoundTrip) {
  const std::uint8_t value1[] = {1, 2, 3, 4, 5};
  std::vector<std::uint8_t> value2(40, 0xab);
  const ExtensionField fields[] = {{0x0104, value1}, {0x0204, value2}};
  std::uint8_t buf[256];
  Result<std::size_t> n = encode_packet(sample_packet(), fields, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 48u + 16u + 44u);
  Result<DecodedPacket> d = decode_packet(std::span(buf, *n));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->extension_count, 2u);
  EXPECT_EQ(d->extensions[0].type, 0x0104);
  EXPECT_EQ(d->extensions[0].value.size(), 12u);  // padded to the 16-byte minimum
  EXPECT_EQ(d->extensions[0].value[4], 5);
  EXPECT_EQ(d->extensions[1].value.size(), 40u);
  EXPECT_TRUE(d->mac.empty());
}

TEST(PacketTest, EncodeRefusesASmallBuffer) {
  const std::uint8_t value[] = {1};
  const ExtensionField fields[] = {{1, value}};
  std::uint8_t buf[60];
  EXPECT_FALSE(encode_packet(sample_packet(), fields, buf).ok());
  std::uint8_t tiny[10];
  EXPECT_FALSE(encode_packet(sample_packet(), {}, tiny).ok());
}

TEST(PacketTest, LegacyMacIsRecognised) {
  for (std::size_t mac : {4u, 20u, 24u}) {
    std::vector<std::uint8_t> b(48 + mac, 0);
    Result<DecodedPacket> d = decode_packet(b);
    ASSERT_TRUE(d.ok()) << mac;
    EXPECT_EQ(d->mac.size(), mac);
    EXPECT_EQ(d->extension_count, 0u);
  }
}

TEST(PacketTest, BadExtensionChainsAreErrors) {
  std::vector<std::uint8_t> b(48 + 32, 0);
  b[48 + 3] = 12;  // length below 16
  EXPECT_FALSE(decode_packet(b).ok());
  b[48 + 3] = 18;  // not a multiple of 4
  EXPECT_FALSE(decode_packet(b).ok());
  b[48 + 3] = 64;  // longer than what remains
  EXPECT_FALSE(decode_packet(b).ok());
  std::vector<std::uint8_t> odd(48 + 7, 0);  // 7 trailing bytes: neither EF nor MAC
  Result<DecodedPacket> d = decode_packet(odd);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("trailing"), std::string::npos);
}

TEST(PacketTest, TooManyExtensionFieldsIsAnError) {
  std::vector<std::uint8_t> b(48 + 16 * (kMaxExtensionFields + 2), 0);
  for (std::size_t i = 48; i < b.size(); i += 16) b[i + 3] = 16;
  EXPECT_FALSE(decode_packet(b).ok());
}

TEST(PacketTest, PeekReadsVersionAndMode) {
  const std::uint8_t b[] = {0x1b};  // v3 client
  EXPECT_EQ(peek_version(b), 3);
  EXPECT_EQ(peek_mode(b), Mode::kClient);
  EXPECT_EQ(peek_version({}), 0);
}

TEST(KissCodeTest, RefidText) {
  EXPECT_EQ(refid_to_string(kKissRate, 0), "RATE");
  EXPECT_EQ(refid_to_string(refid_from_ascii("GPS\0"), 1), "GPS");
  EXPECT_EQ(refid_to_string(0x7f000001, 3), "127.0.0.1");
  NtpPacket p;
  p.mode = Mode::kServer;
  p.stratum = 0;
  EXPECT_TRUE(is_kiss_of_death(p));
  p.stratum = 3;
  EXPECT_FALSE(is_kiss_of_death(p));
}

}  // namespace
}  // namespace kairos::ntp
