// Fuzz target: the file store's parser of tso.hwm (bytes read from disk).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tso/hwm_file_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kairos::Result<kairos::tso::HwmMap> parsed = kairos::tso::parse_hwm_file(bytes);
  if (parsed.ok()) {
    // What parses re-encodes to the same bytes (the format has one spelling).
    if (kairos::tso::encode_hwm_file(*parsed) != bytes) __builtin_trap();
  }
  return 0;
}
