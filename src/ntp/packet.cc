#include "kairos/ntp/packet.h"

#include <cstring>
#include <string>

#include "ntp/wire_bytes.h"

namespace kairos::ntp {
namespace {

// Longest legacy MAC (RFC 5905 §7.3: 32-bit key ID + 160-bit digest).
constexpr std::size_t kMaxMacSize = 24;

bool is_mac_size(std::size_t n) { return n == 4 || n == 20 || n == kMaxMacSize; }

}  // namespace

Result<NtpPacket> decode_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) {
    return Status::InvalidArgument("NTP packet too short: " + std::to_string(bytes.size()) +
                                   " bytes, need at least 48");
  }
  const std::uint8_t* b = bytes.data();
  NtpPacket p;
  p.leap = static_cast<LeapIndicator>(b[0] >> 6);
  p.version = static_cast<std::uint8_t>((b[0] >> 3) & 7);
  p.mode = static_cast<Mode>(b[0] & 7);
  p.stratum = b[1];
  p.poll_log2 = static_cast<std::int8_t>(b[2]);
  p.precision_log2 = static_cast<std::int8_t>(b[3]);
  p.root_delay = NtpShort::from_raw(get32(b + 4));
  p.root_dispersion = NtpShort::from_raw(get32(b + 8));
  p.reference_id = get32(b + 12);
  p.reference_time = NtpTimestamp::from_raw(get64(b + 16));
  p.origin_time = NtpTimestamp::from_raw(get64(b + 24));
  p.receive_time = NtpTimestamp::from_raw(get64(b + 32));
  p.transmit_time = NtpTimestamp::from_raw(get64(b + 40));
  return p;
}

Result<DecodedPacket> decode_packet(std::span<const std::uint8_t> bytes) {
  Result<NtpPacket> header = decode_header(bytes);
  if (!header.ok()) return header.status();
  DecodedPacket d;
  d.header = *header;
  std::size_t pos = kHeaderSize;
  // RFC 7822 §7.5: while more than a MAC's worth remains, it must be an extension field.
  while (bytes.size() - pos > kMaxMacSize) {
    const std::uint8_t* f = bytes.data() + pos;
    const std::size_t remaining = bytes.size() - pos;
    const std::size_t length = get16(f + 2);
    if (length < kMinExtensionFieldSize || length % 4 != 0 || length > remaining) {
      return Status::InvalidArgument("NTP extension field at byte " + std::to_string(pos) +
                                     " has bad length " + std::to_string(length) + " (" +
                                     std::to_string(remaining) + " bytes remain)");
    }
    if (d.extension_count == kMaxExtensionFields) {
      return Status::InvalidArgument("NTP packet has more than " +
                                     std::to_string(kMaxExtensionFields) + " extension fields");
    }
    d.extensions[d.extension_count++] =
        ExtensionField{get16(f), bytes.subspan(pos + 4, length - 4)};
    pos += length;
  }
  const std::size_t tail = bytes.size() - pos;
  if (tail != 0) {
    if (!is_mac_size(tail)) {
      return Status::InvalidArgument("NTP packet has " + std::to_string(tail) +
                                     " trailing bytes: neither an extension field nor a MAC");
    }
    d.mac = bytes.subspan(pos);
  }
  return d;
}

void encode_header(const NtpPacket& p, std::span<std::uint8_t, kHeaderSize> out) {
  std::uint8_t* b = out.data();
  b[0] = static_cast<std::uint8_t>(((static_cast<unsigned>(p.leap) & 3) << 6) |
                                   ((p.version & 7u) << 3) | (static_cast<unsigned>(p.mode) & 7));
  b[1] = p.stratum;
  b[2] = static_cast<std::uint8_t>(p.poll_log2);
  b[3] = static_cast<std::uint8_t>(p.precision_log2);
  put32(b + 4, p.root_delay.raw());
  put32(b + 8, p.root_dispersion.raw());
  put32(b + 12, p.reference_id);
  put64(b + 16, p.reference_time.raw());
  put64(b + 24, p.origin_time.raw());
  put64(b + 32, p.receive_time.raw());
  put64(b + 40, p.transmit_time.raw());
}

Result<std::size_t> encode_packet(const NtpPacket& packet,
                                  std::span<const ExtensionField> extensions,
                                  std::span<std::uint8_t> out) {
  if (out.size() < kHeaderSize) {
    return Status::InvalidArgument("buffer of " + std::to_string(out.size()) +
                                   " bytes cannot hold a 48-byte NTP header");
  }
  encode_header(packet, out.first<kHeaderSize>());
  std::size_t pos = kHeaderSize;
  for (const ExtensionField& e : extensions) {
    std::size_t length = 4 + e.value.size();
    length = (length + 3) / 4 * 4;
    if (length < kMinExtensionFieldSize) length = kMinExtensionFieldSize;
    if (length > 0xfffc) {
      return Status::InvalidArgument("extension field value of " + std::to_string(e.value.size()) +
                                     " bytes is too long");
    }
    if (out.size() - pos < length) {
      return Status::InvalidArgument("buffer of " + std::to_string(out.size()) +
                                     " bytes is too small for the extension fields");
    }
    std::uint8_t* f = out.data() + pos;
    put16(f, e.type);
    put16(f + 2, static_cast<std::uint16_t>(length));
    if (!e.value.empty()) std::memcpy(f + 4, e.value.data(), e.value.size());
    std::memset(f + 4 + e.value.size(), 0, length - 4 - e.value.size());
    pos += length;
  }
  return pos;
}

}  // namespace kairos::ntp
