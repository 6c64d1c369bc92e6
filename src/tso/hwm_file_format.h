// The file store's on-disk format (docs/tso.md, "The high-water-mark file"):
//
//   kairos-tso-hwm 1
//   ts 1767225603000
//   seq/orders 2000000
//   checksum 9f1c0a53d2e4b7a1
//
// A header line with the format version, one "KEY VALUE" line per mark (decimal uint64,
// keys sorted, unique, 1..80 printable ASCII characters without spaces), and the FNV-1a
// 64-bit hash of every byte before the checksum line, in 16 lowercase hex digits. The
// parser reads bytes from disk, so it is strict and bounded: at most kMaxHwmFileBytes,
// every error names the line and what was wrong.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos::tso {

inline constexpr std::size_t kMaxHwmFileBytes = 4 << 20;
inline constexpr std::size_t kMaxHwmKeyBytes = 80;

using HwmMap = std::map<std::string, std::uint64_t, std::less<>>;

// Whether `key` may appear in the file (and so in any Store).
Status validate_hwm_key(std::string_view key);
std::string encode_hwm_file(const HwmMap& marks);
Result<HwmMap> parse_hwm_file(std::string_view bytes);

}  // namespace kairos::tso
