#include "sync/selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace kairos::sync {
namespace {

struct Edge {
  Duration value;
  int type;  // -1 lower end, +1 upper end
};

}  // namespace

Intersection select_truechimers(std::span<Candidate> candidates) {
  const int n = static_cast<int>(candidates.size());
  Intersection result;
  for (Candidate& c : candidates) c.verdict = Verdict::kSurvivor;
  if (n == 0) return result;
  std::vector<Edge> edges;
  edges.reserve(2 * candidates.size());
  for (const Candidate& c : candidates) {
    edges.push_back({c.offset - c.distance, -1});
    edges.push_back({c.offset + c.distance, +1});
  }
  // Ascending by value; at equal values lower ends first, so touching intervals overlap.
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return a.value != b.value ? a.value < b.value : a.type < b.type;
  });
  for (int f = 0; 2 * f < n; ++f) {
    const int need = n - f;
    int count = 0;
    bool have_low = false;
    Duration low{0};
    for (const Edge& e : edges) {
      count -= e.type;
      if (count >= need) {
        low = e.value;
        have_low = true;
        break;
      }
    }
    count = 0;
    bool have_high = false;
    Duration high{0};
    for (auto it = edges.rbegin(); it != edges.rend(); ++it) {
      count += it->type;
      if (count >= need) {
        high = it->value;
        have_high = true;
        break;
      }
    }
    if (have_low && have_high && low <= high) {
      result.found = true;
      result.low = low;
      result.high = high;
      for (Candidate& c : candidates) {
        const bool overlaps = c.offset - c.distance <= high && c.offset + c.distance >= low;
        if (!overlaps) {
          c.verdict = Verdict::kFalseticker;
          ++result.falsetickers;
        }
      }
      return result;
    }
  }
  for (Candidate& c : candidates) c.verdict = Verdict::kNoMajority;
  return result;
}

void cluster_survivors(std::span<Candidate> candidates, int min_survivors) {
  for (;;) {
    int survivors = 0;
    double min_peer_jitter = std::numeric_limits<double>::infinity();
    for (const Candidate& c : candidates) {
      if (c.verdict != Verdict::kSurvivor) continue;
      ++survivors;
      min_peer_jitter = std::min(min_peer_jitter, to_seconds(c.jitter));
    }
    if (survivors <= std::max(min_survivors, 1)) return;
    int worst = -1;
    double worst_jitter = -1.0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].verdict != Verdict::kSurvivor) continue;
      double sum = 0.0;
      for (const Candidate& other : candidates) {
        if (other.verdict != Verdict::kSurvivor) continue;
        const double d = to_seconds(other.offset - candidates[i].offset);
        sum += d * d;
      }
      const double selection_jitter = std::sqrt(sum / (survivors - 1));
      if (selection_jitter > worst_jitter) {
        worst_jitter = selection_jitter;
        worst = static_cast<int>(i);
      }
    }
    if (worst_jitter < min_peer_jitter) return;
    candidates[static_cast<std::size_t>(worst)].verdict = Verdict::kOutlier;
  }
}

}  // namespace kairos::sync
