#include "kairos/logical/sequence.h"

namespace kairos::logical {
namespace {

constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
constexpr int kWidth = 13;  // 13 * 5 = 65 bits >= 64

}  // namespace

std::string Sequence::to_string() const {
  std::string out(kWidth + 1, '0');
  out[0] = 'q';
  std::uint64_t v = bits_;
  for (int i = kWidth; i >= 1; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[v & 31];
    v >>= 5;
  }
  return out;
}

Result<Sequence> Sequence::parse(std::string_view text) {
  if (text.size() != kWidth + 1 || text[0] != 'q') {
    return Status::InvalidArgument("sequence: expected \"q\" and 13 base-32 digits (0-9 A-V)");
  }
  std::uint64_t v = 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'A' && c <= 'V') d = c - 'A' + 10;
    if (d < 0) {
      return Status::InvalidArgument("sequence: '" + std::string(1, c) + "' at offset " +
                                     std::to_string(i) + " is not a base-32 digit (0-9 A-V)");
    }
    if (i == 1 && d > 15) return Status::InvalidArgument("sequence: value exceeds 64 bits");
    v = (v << 5) | static_cast<std::uint64_t>(d);
  }
  return Sequence::from_bits(v);
}

Result<Sequence> SequenceAllocator::next() { return next_block(1); }

Result<Sequence> SequenceAllocator::next_block(std::uint64_t count) {
  if (count == 0) return Status::InvalidArgument("sequence allocator: count must be >= 1");
  std::uint64_t cur = last_.load(std::memory_order_relaxed);
  do {
    if (cur > UINT64_MAX - count) {
      return Status::OutOfRange("sequence allocator: 64-bit sequence space exhausted");
    }
  } while (!last_.compare_exchange_weak(cur, cur + count, std::memory_order_acq_rel,
                                        std::memory_order_relaxed));
  return Sequence::from_bits(cur + 1);
}

}  // namespace kairos::logical
