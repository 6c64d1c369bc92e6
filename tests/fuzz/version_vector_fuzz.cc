// Version vector and dotted version vector decoders/parsers read outside bytes. The first
// input byte picks the decoder; an accepted value re-encodes to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "kairos/logical/dotted_version_vector.h"
#include "kairos/logical/version_vector.h"

using kairos::logical::DottedVersionVector;
using kairos::logical::VersionVector;

namespace {

void Same(const std::string& out, const std::uint8_t* data, std::size_t size) {
  if (out.size() != size || std::memcmp(out.data(), data, size) != 0) std::abort();
}

template <typename R>
void Error(const R& r) {
  if (r.status().message().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0] % 4;
  ++data;
  --size;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  switch (mode) {
    case 0: {
      auto v = VersionVector::decode(std::span(data, size));
      if (v.ok()) Same(v->encode(), data, size); else Error(v);
      break;
    }
    case 1: {
      auto v = VersionVector::parse(text);
      if (v.ok()) Same(v->to_string(), data, size); else Error(v);
      break;
    }
    case 2: {
      auto v = DottedVersionVector::decode(std::span(data, size));
      if (v.ok()) Same(v->encode(), data, size); else Error(v);
      break;
    }
    default: {
      auto v = DottedVersionVector::parse(text);
      if (v.ok()) Same(v->to_string(), data, size); else Error(v);
      break;
    }
  }
  return 0;
}
