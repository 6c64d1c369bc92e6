// LEB128 unsigned varints for the logical-clock binary encodings (internal). The reader is
// bounds-checked and rejects over-long (more than 10 bytes), overflowing and non-minimal
// encodings, so every value has exactly one encoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kairos::logical::internal {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool done() const { return pos_ == bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t pos() const { return pos_; }

  bool byte(std::uint8_t& out) {
    if (done()) return false;
    out = bytes_[pos_++];
    return true;
  }
  bool varint(std::uint64_t& out) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      std::uint8_t b = 0;
      if (!byte(b)) return false;
      if (shift == 63 && (b & 0x7e) != 0) return false;  // overflow
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift != 0) return false;  // non-minimal
        out = v;
        return true;
      }
    }
    return false;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace kairos::logical::internal
