// Sequence: an opaque, totally ordered 64-bit sequence number (Pilcrow's "sequence
// numbers say before"). Applications compare, store and print sequences; they do not do
// arithmetic on them. The text form "q" + 13 base-32 digits (0-9 A-V) sorts as the
// sequences do; the leading "q" names the layout version, so the representation can change
// without old text being misread. Sequence::none() (the zero value) precedes every
// allocated sequence.
//
// SequenceAllocator hands out strictly increasing sequences in process, lock-free, from
// any thread. To continue after a restart, build it with the last sequence that was made
// durable (every later allocation is greater).
//
// Thread safety: Sequence is a value; SequenceAllocator is safe from any thread.
#pragma once

#include <atomic>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "kairos/logical/order.h"
#include "kairos/status.h"

namespace kairos::logical {

class Sequence {
 public:
  constexpr Sequence() = default;
  static constexpr Sequence none() { return Sequence(); }

  // For storage (persisting a high-water mark): the layout-version-1 bits.
  constexpr std::uint64_t to_bits() const { return bits_; }
  static constexpr Sequence from_bits(std::uint64_t bits) { return Sequence(bits); }

  std::string to_string() const;
  static Result<Sequence> parse(std::string_view text);

  friend constexpr auto operator<=>(const Sequence&, const Sequence&) = default;

 private:
  constexpr explicit Sequence(std::uint64_t bits) : bits_(bits) {}
  std::uint64_t bits_ = 0;
};

inline constexpr Order compare(Sequence a, Sequence b) { return OrderOf(a, b); }

class SequenceAllocator {
 public:
  // The first allocation is the sequence right after `after`.
  explicit SequenceAllocator(Sequence after = Sequence::none()) : last_(after.to_bits()) {}

  // The next sequence; OutOfRange once the 64-bit space is exhausted.
  Result<Sequence> next();
  // `count` consecutive sequences (count >= 1); returns the first, the rest follow it.
  Result<Sequence> next_block(std::uint64_t count);
  // The last sequence handed out (or the start value).
  Sequence last() const { return Sequence::from_bits(last_.load(std::memory_order_acquire)); }

 private:
  std::atomic<std::uint64_t> last_;
};

}  // namespace kairos::logical
