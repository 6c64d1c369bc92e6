// Sequence::parse reads outside text: a sequence or an error; accepted text round-trips.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kairos/logical/sequence.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::logical::Sequence> s = kairos::logical::Sequence::parse(text);
  if (s.ok()) {
    if (s->to_string() != text) std::abort();
  } else if (s.status().message().empty()) {
    std::abort();
  }
  return 0;
}
