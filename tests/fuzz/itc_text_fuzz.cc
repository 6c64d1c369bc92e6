// ItcStamp::parse reads outside text: any input gives a stamp or an error, and an accepted
// stamp round-trips through both encodings.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "kairos/logical/itc.h"

using kairos::logical::ItcStamp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 2048) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kairos::Result<ItcStamp> s = ItcStamp::parse(text);
  if (!s.ok()) {
    if (s.status().message().empty()) std::abort();
    return 0;
  }
  const std::string bytes = s->encode();
  kairos::Result<ItcStamp> back = ItcStamp::decode(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  if (!back.ok() || !(*back == *s)) std::abort();
  kairos::Result<ItcStamp> again = ItcStamp::parse(s->to_string());
  if (!again.ok() || !(*again == *s)) std::abort();
  return 0;
}
