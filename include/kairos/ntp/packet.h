// NTP packets (RFC 5905 §7.3) with RFC 7822 extension fields: the plain wire struct and
// its one codec.
//
// NtpPacket is the 48-byte header as values: leap (2 bits), version (3 bits), mode
// (3 bits), stratum, poll and precision (signed log2 seconds), root delay and root
// dispersion (NtpShort, 16.16 seconds), reference ID (big-endian on the wire), and the four
// timestamps (NtpTimestamp, 32.32 seconds since 1900). All multi-byte fields are network
// byte order on the wire; the struct holds host values.
//
// decode_packet() is total: any byte string gives a DecodedPacket or an InvalidArgument
// error naming what was wrong (too short, bad extension field length, ...). It never
// allocates: extension fields are views into the caller's bytes, at most
// kMaxExtensionFields of them. encode_header() writes exactly 48 bytes; encode_packet()
// adds extension fields and fails (never overruns) when the buffer is too small.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kairos/ntp_timestamp.h"
#include "kairos/status.h"

namespace kairos::ntp {

inline constexpr std::size_t kHeaderSize = 48;
inline constexpr std::uint16_t kDefaultPort = 123;

enum class Mode : std::uint8_t {
  kReserved = 0,
  kSymmetricActive = 1,
  kSymmetricPassive = 2,
  kClient = 3,
  kServer = 4,
  kBroadcast = 5,
  kControl = 6,  // ntpq's mode
  kPrivate = 7,  // ntpdc's mode
};

// The 2-bit leap indicator as on the wire (3 = alarm: clock not synchronized).
enum class LeapIndicator : std::uint8_t {
  kNoWarning = 0,
  kLastMinute61 = 1,
  kLastMinute59 = 2,
  kAlarm = 3,
};

struct NtpPacket {
  LeapIndicator leap = LeapIndicator::kNoWarning;
  std::uint8_t version = 4;  // 0..7 on the wire
  Mode mode = Mode::kClient;
  std::uint8_t stratum = 0;  // 0 = unspecified or Kiss-o'-Death, 1 primary, 16 unsynchronized
  std::int8_t poll_log2 = 0;
  std::int8_t precision_log2 = 0;
  NtpShort root_delay;
  NtpShort root_dispersion;
  std::uint32_t reference_id = 0;
  NtpTimestamp reference_time;
  NtpTimestamp origin_time;    // T1 echoed by a server
  NtpTimestamp receive_time;   // T2: when the request arrived at the server
  NtpTimestamp transmit_time;  // T3 (in a request: T1)

  friend bool operator==(const NtpPacket&, const NtpPacket&) = default;
};

// An RFC 7822 extension field: 16-bit type, 16-bit length (whole field, header included,
// a multiple of 4 and at least 16), value. `value` views the decoded bytes.
struct ExtensionField {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> value;
};

inline constexpr std::size_t kMaxExtensionFields = 8;
inline constexpr std::size_t kMinExtensionFieldSize = 16;

struct DecodedPacket {
  NtpPacket header;
  std::array<ExtensionField, kMaxExtensionFields> extensions{};
  std::size_t extension_count = 0;
  // Trailing legacy MAC (key ID + digest: 4, 20 or 24 bytes; 4 is a crypto-NAK), empty if
  // none.
  std::span<const std::uint8_t> mac;
};

// Decodes a datagram. Errors: shorter than 48 bytes, a malformed or overlong chain of
// extension fields, more than kMaxExtensionFields fields, or trailing bytes that are
// neither an extension field nor a MAC.
Result<DecodedPacket> decode_packet(std::span<const std::uint8_t> bytes);
// Only the 48-byte header (extension fields and MAC are not looked at).
Result<NtpPacket> decode_header(std::span<const std::uint8_t> bytes);

// Writes the 48-byte header. Fields are masked to their wire widths (version & 7).
void encode_header(const NtpPacket& packet, std::span<std::uint8_t, kHeaderSize> out);
// Header plus extension fields (each value padded with zeros to a multiple of 4 and to the
// 16-byte minimum). Returns the number of bytes written, or an error if `out` is too small
// or a value is longer than a field can say.
Result<std::size_t> encode_packet(const NtpPacket& packet,
                                  std::span<const ExtensionField> extensions,
                                  std::span<std::uint8_t> out);

// Reads the version and mode bits of a datagram's first byte (0 if empty), without
// decoding the rest: for cheap triage.
inline std::uint8_t peek_version(std::span<const std::uint8_t> bytes) {
  return bytes.empty() ? 0 : static_cast<std::uint8_t>((bytes[0] >> 3) & 7);
}
inline Mode peek_mode(std::span<const std::uint8_t> bytes) {
  return bytes.empty() ? Mode::kReserved : static_cast<Mode>(bytes[0] & 7);
}

}  // namespace kairos::ntp
