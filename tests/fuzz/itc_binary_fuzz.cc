// ItcStamp::decode reads outside bytes: any input gives a stamp or an error; an accepted
// input is the canonical encoding (it re-encodes to the same bytes), its text form parses
// back to it, and the decoded stamp survives the operations.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "kairos/logical/itc.h"

using kairos::logical::ItcStamp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 512) return 0;  // keeps each run fast; depth and counter limits are in range
  kairos::Result<ItcStamp> s = ItcStamp::decode(std::span(data, size));
  if (!s.ok()) {
    if (s.status().message().empty()) std::abort();
    return 0;
  }
  const std::string again = s->encode();
  if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  kairos::Result<ItcStamp> text = ItcStamp::parse(s->to_string());
  if (!text.ok() || !(*text == *s)) std::abort();
  if (!s->id().is_zero()) {
    ItcStamp e = *s;
    if (!e.event().ok() || !s->leq(e) || e.leq(*s)) std::abort();
    auto [a, b] = s->fork();
    kairos::Result<ItcStamp> j = ItcStamp::join(a, b);
    if (!j.ok() || !(j->id() == s->id())) std::abort();
  }
  return 0;
}
