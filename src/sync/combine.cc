#include "sync/combine.h"

#include <algorithm>
#include <cmath>

namespace kairos::sync {

Combined combine(std::span<const Candidate> candidates) {
  Combined out;
  double weight_sum = 0.0;
  double weighted_offset = 0.0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (c.verdict != Verdict::kSurvivor) continue;
    if (out.peer < 0) {
      out.peer = static_cast<int>(i);
    } else {
      const Candidate& p = candidates[static_cast<std::size_t>(out.peer)];
      if (c.stratum < p.stratum || (c.stratum == p.stratum && c.distance < p.distance)) {
        out.peer = static_cast<int>(i);
      }
    }
    const double w = 1.0 / std::max(to_seconds(c.distance), 1e-9);
    weight_sum += w;
    weighted_offset += w * to_seconds(c.offset);
  }
  if (out.peer < 0) return out;
  out.found = true;
  out.offset = from_seconds(weighted_offset / weight_sum);
  const double peer_offset = to_seconds(candidates[static_cast<std::size_t>(out.peer)].offset);
  double sum = 0.0;
  for (const Candidate& c : candidates) {
    if (c.verdict != Verdict::kSurvivor) continue;
    const double w = 1.0 / std::max(to_seconds(c.distance), 1e-9);
    const double d = to_seconds(c.offset) - peer_offset;
    sum += w * d * d;
  }
  out.jitter = from_seconds(std::sqrt(sum / weight_sum));
  return out;
}

}  // namespace kairos::sync
