// Lamport clock (Lamport 1978, "Time, Clocks, and the Ordering of Events").
//
// A LamportClock is one process's counter. tick() stamps a local event, send() stamps an
// outgoing message (a local event too), receive(remote) sets the counter to
// max(local, remote) + 1 and stamps the receive event. Counters are unsigned 64-bit;
// reaching 2^64 - 1 is reported as an error rather than wrapping.
//
// A LamportStamp is (counter, process id). Stamps are totally ordered by counter, then by
// process id: Lamport's "=>" relation. If a happened before b then stamp(a) < stamp(b);
// the converse does not hold (use vector clocks or ITC to detect concurrency).
//
// Encodings: text "COUNTER@PROCESS" in decimal ("42@7"); binary 12 bytes, counter as
// 8 bytes big-endian then process id as 4 bytes big-endian (so bytes sort as stamps do).
//
// Thread safety: plain values; a LamportClock shared between threads needs a lock.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kairos/logical/order.h"
#include "kairos/status.h"

namespace kairos::logical {

struct LamportStamp {
  std::uint64_t counter = 0;
  std::uint32_t process = 0;

  friend constexpr auto operator<=>(const LamportStamp&, const LamportStamp&) = default;

  static constexpr std::size_t kEncodedSize = 12;
  std::array<std::uint8_t, kEncodedSize> encode() const;
  static Result<LamportStamp> decode(std::span<const std::uint8_t> bytes);

  std::string to_string() const;
  static Result<LamportStamp> parse(std::string_view text);
};

inline constexpr Order compare(const LamportStamp& a, const LamportStamp& b) {
  return OrderOf(a, b);
}

class LamportClock {
 public:
  explicit LamportClock(std::uint32_t process, std::uint64_t counter = 0)
      : process_(process), counter_(counter) {}

  std::uint32_t process() const { return process_; }
  std::uint64_t counter() const { return counter_; }
  // The stamp of the last event (counter 0 before any event).
  LamportStamp current() const { return {counter_, process_}; }

  // A local event. Precondition: counter() < 2^64 - 1 (checked by can_advance()).
  LamportStamp tick() { return {++counter_, process_}; }
  // Stamps an outgoing message: a local event whose stamp travels with the message.
  LamportStamp send() { return tick(); }
  // A message stamped `remote` arrives: counter = max(local, remote) + 1. Fails with
  // OutOfRange, leaving the clock unchanged, if that would overflow.
  Result<LamportStamp> receive(const LamportStamp& remote);

  bool can_advance() const { return counter_ != UINT64_MAX; }

 private:
  std::uint32_t process_;
  std::uint64_t counter_;
};

}  // namespace kairos::logical
