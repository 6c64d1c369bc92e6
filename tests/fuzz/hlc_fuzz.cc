// HlcTimestamp::parse and ::decode read outside bytes: a value or an error, and an accepted
// value formats back to the same text / bytes. An accepted remote stamp fed to a clock
// is either adopted below the offset limit or rejected.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

#include "kairos/logical/hlc.h"

using namespace kairos;
using kairos::logical::HlcTimestamp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<HlcTimestamp> t = HlcTimestamp::parse(text);
  if (t.ok()) {
    if (t->to_string() != text) std::abort();
    logical::HybridLogicalClock c(milliseconds(500));
    const UnixTime pt(milliseconds(1'700'000'000'000));
    Result<HlcTimestamp> u = c.update(*t, pt);
    if (u.ok() && (u->physical_ms() > 1'700'000'000'500 || *u <= *t)) std::abort();
  } else if (t.status().message().empty()) {
    std::abort();
  }
  Result<HlcTimestamp> b = HlcTimestamp::decode(std::span(data, size));
  if (b.ok()) {
    const auto bytes = b->encode();
    if (size != 8 || std::memcmp(bytes.data(), data, 8) != 0) std::abort();
  }
  return 0;
}
