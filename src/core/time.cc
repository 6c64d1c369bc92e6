#include "kairos/time.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

namespace kairos {

Duration from_seconds(double s) {
  if (std::isnan(s)) return Duration(0);
  const double ns = std::round(s * 1e9);
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  if (ns >= static_cast<double>(kMax)) return Duration(kMax);
  if (ns <= static_cast<double>(kMin)) return Duration(kMin);
  return Duration(static_cast<std::int64_t>(ns));
}

namespace {

struct Unit {
  std::string_view name;
  std::int64_t ns;
};
constexpr Unit kUnits[] = {{"ns", 1},           {"us", 1'000},          {"µs", 1'000},
                           {"ms", 1'000'000},   {"s", 1'000'000'000},   {"m", 60'000'000'000},
                           {"min", 60'000'000'000}, {"h", 3'600'000'000'000}};

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  const std::string quoted = "'" + std::string(text.substr(0, 64)) + "'";
  if (text.empty()) return Status::InvalidArgument("empty duration (expected e.g. 250ms)");
  if (text.size() > 64) return Status::InvalidArgument("duration too long: " + quoted);
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '-' || text[i] == '+') negative = text[i++] == '-';
  const std::size_t digits_start = i;
  std::int64_t whole = 0;
  int int_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (++int_digits > 18) return Status::OutOfRange("duration out of range: " + quoted);
    whole = whole * 10 + (text[i++] - '0');
  }
  // Up to 9 fractional digits, kept as an exact numerator over 10^frac_digits.
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (frac_digits == 9) return Status::InvalidArgument("more than 9 decimals in " + quoted);
      frac = frac * 10 + (text[i++] - '0');
      ++frac_digits;
    }
  }
  if (i == digits_start || (int_digits == 0 && frac_digits == 0)) {
    return Status::InvalidArgument("duration must start with a number: " + quoted);
  }
  const std::string_view unit_text = text.substr(i);
  if (unit_text.empty()) {
    if (whole == 0 && frac == 0) return Duration(0);
    return Status::InvalidArgument("duration needs a unit (ns, us, ms, s, m, h): " + quoted);
  }
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit_text) unit = &u;
  }
  if (unit == nullptr) {
    return Status::InvalidArgument("unknown duration unit '" + std::string(unit_text) +
                                   "' in " + quoted + " (use ns, us, ms, s, m or h)");
  }
  std::int64_t pow10 = 1;
  for (int k = 0; k < frac_digits; ++k) pow10 *= 10;
  // whole * unit may overflow: check before multiplying.
  if (whole > std::numeric_limits<std::int64_t>::max() / unit->ns) {
    return Status::OutOfRange("duration out of range: " + quoted);
  }
  const std::int64_t whole_ns = whole * unit->ns;
  // frac < pow10, so frac * unit / pow10 < unit. Units from the second up are multiples
  // of every pow10 (<= 10^9), and for the smaller ones frac * unit < 10^15: no overflow.
  const std::int64_t frac_ns = unit->ns % pow10 == 0 ? frac * (unit->ns / pow10)
                                                     : frac * unit->ns / pow10;
  if (whole_ns > std::numeric_limits<std::int64_t>::max() - frac_ns) {
    return Status::OutOfRange("duration out of range: " + quoted);
  }
  const std::int64_t ns = whole_ns + frac_ns;
  return Duration(negative ? -ns : ns);
}

std::string format_duration(Duration d) {
  // Exact: the integer part in the largest unit below the magnitude, then every nonzero
  // decimal of the remainder (so parse_duration gives the same value back).
  const std::int64_t ns = d.count();
  // |INT64_MIN| does not fit in int64: work on the unsigned magnitude.
  const std::uint64_t mag = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  struct Scale {
    std::uint64_t ns;
    int decimals;
    const char* name;
  };
  constexpr Scale kScales[] = {{1'000'000'000, 9, "s"}, {1'000'000, 6, "ms"}, {1'000, 3, "us"}};
  Scale scale{1, 0, "ns"};
  for (const Scale& sc : kScales) {
    if (mag >= sc.ns) {
      scale = sc;
      break;
    }
  }
  std::string out = ns < 0 ? "-" : "";
  out += std::to_string(mag / scale.ns);
  std::string frac = std::to_string(mag % scale.ns);
  if (scale.decimals > 0 && mag % scale.ns != 0) {
    frac.insert(0, static_cast<std::size_t>(scale.decimals) - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + scale.name;
}

std::string format_unix_time(UnixTime t) {
  const std::int64_t ns = t.time_since_epoch().count();
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --secs;
  }
  const auto tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(rem));
  return buf;
}

}  // namespace kairos
