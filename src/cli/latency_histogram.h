// LatencyHistogram: a fixed-size log-linear histogram of durations (64 buckets per power
// of two, so a reported quantile is within 1.6% of the true value), for the load
// generator's p50/p99. No allocation after construction; merging is bucket-wise.
//
// Thread safety: none; one per thread, merged at the end.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>

#include "kairos/time.h"

namespace kairos::cli {

class LatencyHistogram {
 public:
  void record(Duration d) {
    const std::uint64_t v = d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
    ++buckets_[index(v)];
    ++count_;
    if (v > max_ns_) max_ns_ = v;
  }
  void merge(const LatencyHistogram& o) {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    if (o.max_ns_ > max_ns_) max_ns_ = o.max_ns_;
  }
  std::uint64_t count() const { return count_; }
  Duration max() const { return Duration(static_cast<std::int64_t>(max_ns_)); }
  // The q-quantile over `attempts` requests of which only the recorded ones were answered,
  // the others counting as slower than any answer (a lost request is the worst latency):
  // nullopt when the quantile falls among the unanswered.
  std::optional<Duration> quantile_of_attempts(double q, std::uint64_t attempts) const {
    const std::uint64_t answered = count();
    if (answered == 0 || attempts < answered ||
        q * static_cast<double>(attempts) > static_cast<double>(answered)) {
      return std::nullopt;
    }
    return quantile(q * static_cast<double>(attempts) / static_cast<double>(answered));
  }

  // The q-quantile (0 < q <= 1) as the lower edge of its bucket; 0 when empty.
  Duration quantile(double q) const {
    if (count_ == 0) return Duration(0);
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= rank) return Duration(static_cast<std::int64_t>(lower_edge(i)));
    }
    return max();
  }

 private:
  static constexpr std::size_t kSub = 64;
  static constexpr std::size_t kBuckets = 59 * kSub;
  static std::size_t index(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const int shift = (63 - std::countl_zero(v)) - 6;
    return static_cast<std::size_t>(shift + 1) * kSub + ((v >> shift) & (kSub - 1));
  }
  static std::uint64_t lower_edge(std::size_t i) {
    if (i < kSub) return i;
    const std::size_t shift = i / kSub - 1;
    return (kSub + i % kSub) << shift;
  }
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ns_ = 0;
};

}  // namespace kairos::cli
