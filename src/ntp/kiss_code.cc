#include "kairos/ntp/kiss_code.h"

#include <cstdio>

namespace kairos::ntp {

std::string refid_to_string(std::uint32_t reference_id, std::uint8_t stratum) {
  if (stratum <= 1) {
    std::string s;
    for (int shift = 24; shift >= 0; shift -= 8) {
      const auto c = static_cast<unsigned char>(reference_id >> shift);
      if (c == 0) break;
      s.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
    }
    return s;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", reference_id >> 24, (reference_id >> 16) & 0xff,
                (reference_id >> 8) & 0xff, reference_id & 0xff);
  return buf;
}

}  // namespace kairos::ntp
