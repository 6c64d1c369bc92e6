#include "kairos/logical/lamport.h"

#include <algorithm>

#include "logical/text_reader.h"

namespace kairos::logical {

std::array<std::uint8_t, LamportStamp::kEncodedSize> LamportStamp::encode() const {
  std::array<std::uint8_t, kEncodedSize> out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(counter >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<std::uint8_t>(process >> (24 - 8 * i));
  return out;
}

Result<LamportStamp> LamportStamp::decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kEncodedSize) {
    return Status::InvalidArgument("lamport stamp: expected 12 bytes, got " +
                                   std::to_string(bytes.size()));
  }
  LamportStamp s;
  for (int i = 0; i < 8; ++i) s.counter = (s.counter << 8) | bytes[i];
  for (int i = 0; i < 4; ++i) s.process = (s.process << 8) | bytes[8 + i];
  return s;
}

std::string LamportStamp::to_string() const {
  return std::to_string(counter) + "@" + std::to_string(process);
}

Result<LamportStamp> LamportStamp::parse(std::string_view text) {
  internal::TextReader r(text);
  LamportStamp s;
  std::uint64_t process = 0;
  if (!r.number(UINT64_MAX, s.counter)) {
    return Status::InvalidArgument("lamport stamp: expected a decimal counter " + r.where() +
                                   " in \"COUNTER@PROCESS\"");
  }
  if (!r.eat('@')) return Status::InvalidArgument("lamport stamp: expected '@' " + r.where());
  if (!r.number(UINT32_MAX, process)) {
    return Status::InvalidArgument("lamport stamp: expected a process id (0..4294967295) " +
                                   r.where());
  }
  if (!r.done()) return Status::InvalidArgument("lamport stamp: trailing bytes " + r.where());
  s.process = static_cast<std::uint32_t>(process);
  return s;
}

Result<LamportStamp> LamportClock::receive(const LamportStamp& remote) {
  const std::uint64_t m = std::max(counter_, remote.counter);
  if (m == UINT64_MAX) return Status::OutOfRange("lamport clock: counter would overflow");
  counter_ = m + 1;
  return LamportStamp{counter_, process_};
}

}  // namespace kairos::logical
