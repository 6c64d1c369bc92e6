#include "tso/hwm_file_format.h"

#include <charconv>
#include <cstdio>

namespace kairos::tso {
namespace {

constexpr std::string_view kHeader = "kairos-tso-hwm 1\n";
constexpr std::string_view kChecksumPrefix = "checksum ";

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Status line_error(std::size_t line, std::string_view what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + std::string(what));
}

}  // namespace

Status validate_hwm_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxHwmKeyBytes) {
    return Status::InvalidArgument("key must be 1.." + std::to_string(kMaxHwmKeyBytes) +
                                   " bytes, got " + std::to_string(key.size()));
  }
  for (char c : key) {
    if (c <= ' ' || c > '~') {
      return Status::InvalidArgument("key contains a space or non-printable byte");
    }
  }
  if (key == "checksum") return Status::InvalidArgument("'checksum' is reserved");
  return Status::Ok();
}

std::string encode_hwm_file(const HwmMap& marks) {
  std::string out(kHeader);
  for (const auto& [key, value] : marks) {
    out += key;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  }
  const std::uint64_t sum = fnv1a64(out);
  out += kChecksumPrefix;
  out += hex16(sum);
  out += '\n';
  return out;
}

Result<HwmMap> parse_hwm_file(std::string_view bytes) {
  if (bytes.size() > kMaxHwmFileBytes) {
    return Status::InvalidArgument("file is " + std::to_string(bytes.size()) +
                                   " bytes, more than the limit of " +
                                   std::to_string(kMaxHwmFileBytes));
  }
  if (!bytes.starts_with(kHeader)) {
    return line_error(1, "expected the header 'kairos-tso-hwm 1'");
  }
  HwmMap marks;
  std::size_t pos = kHeader.size();
  std::size_t line_no = 1;
  while (true) {
    ++line_no;
    if (pos >= bytes.size()) return line_error(line_no, "missing checksum line (truncated file)");
    const std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) return line_error(line_no, "line does not end in a newline");
    const std::string_view line = bytes.substr(pos, nl - pos);
    if (line.starts_with(kChecksumPrefix)) {
      const std::string_view hex = line.substr(kChecksumPrefix.size());
      if (hex.size() != 16 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
        return line_error(line_no, "checksum must be 16 lowercase hex digits");
      }
      std::uint64_t want = 0;
      auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), want, 16);
      if (ec != std::errc() || p != hex.data() + hex.size()) {
        return line_error(line_no, "checksum is not hexadecimal");
      }
      if (fnv1a64(bytes.substr(0, pos)) != want) {
        return line_error(line_no, "checksum mismatch (corrupt file)");
      }
      if (nl + 1 != bytes.size()) return line_error(line_no + 1, "bytes after the checksum line");
      return marks;
    }
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return line_error(line_no, "expected 'KEY VALUE'");
    const std::string_view key = line.substr(0, space);
    const std::string_view value = line.substr(space + 1);
    if (Status s = validate_hwm_key(key); !s.ok()) return line_error(line_no, s.message());
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v, 10);
    if (value.empty() || ec != std::errc() || p != value.data() + value.size()) {
      return line_error(line_no, "value of '" + std::string(key) + "' is not a decimal uint64");
    }
    if (value.size() > 1 && value[0] == '0') {
      return line_error(line_no, "value of '" + std::string(key) + "' has a leading zero");
    }
    if (!marks.empty() && key <= marks.rbegin()->first) {
      return line_error(line_no, "key '" + std::string(key) + "' is duplicate or out of order");
    }
    marks.emplace(std::string(key), v);
    pos = nl + 1;
  }
}

}  // namespace kairos::tso
