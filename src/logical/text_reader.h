// TextReader: a cursor over untrusted text for the logical-clock parsers. Every read is
// bounds-checked; numbers are decimal without sign or leading zeros (except "0") and are
// rejected on overflow, so a hostile input can neither crash nor loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kairos::logical::internal {

class TextReader {
 public:
  explicit TextReader(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  std::size_t pos() const { return pos_; }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_spaces() {
    while (!done() && text_[pos_] == ' ') ++pos_;
  }
  // Consumes `c` if it is next.
  bool eat(char c) {
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }
  // A decimal number <= max; false (nothing sensible consumed) otherwise.
  bool number(std::uint64_t max, std::uint64_t& out) {
    const std::size_t start = pos_;
    std::uint64_t v = 0;
    while (!done() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
      if (v > (max - digit) / 10) return false;
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) return false;
    if (text_[start] == '0' && pos_ - start > 1) return false;  // leading zero
    out = v;
    return true;
  }
  // "at offset N" for error messages.
  std::string where() const { return "at offset " + std::to_string(pos_); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace kairos::logical::internal
