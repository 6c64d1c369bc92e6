// LamportStamp::parse and ::decode read outside bytes: a stamp or an error; accepted input
// formats back to the same text / bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

#include "kairos/logical/lamport.h"

using kairos::logical::LamportStamp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<LamportStamp> s = LamportStamp::parse(text);
  if (s.ok()) {
    if (s->to_string() != text) std::abort();
  } else if (s.status().message().empty()) {
    std::abort();
  }
  kairos::Result<LamportStamp> b = LamportStamp::decode(std::span(data, size));
  if (b.ok()) {
    const auto bytes = b->encode();
    if (std::memcmp(bytes.data(), data, bytes.size()) != 0) std::abort();
  }
  return 0;
}
