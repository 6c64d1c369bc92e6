#include "sync/clock_filter.h"

#include <algorithm>
#include <cmath>

namespace kairos::sync {
namespace {

// A fit sample whose delay exceeds the least fit delay by more than kSpikeFactor times the
// median excess (over at least kSpikeMinSamples fit samples) was held up on one leg: its
// offset is off by up to half that excess. It is neither chosen nor averaged (it still
// counts in the jitter). Any chosen sample gives an honest interval, so this only
// decides which one.
constexpr double kSpikeFactor = 4.0;
constexpr int kSpikeMinSamples = 4;

std::array<bool, ClockFilter::kStages> delay_spikes(
    const std::array<double, ClockFilter::kStages>& delay,
    const std::array<bool, ClockFilter::kStages>& fit, int count) {
  std::array<bool, ClockFilter::kStages> spike{};
  std::array<double, ClockFilter::kStages> excess{};
  double least = 0.0;
  int n = 0;
  for (int i = 0; i < count; ++i) {
    if (!fit[i]) continue;
    least = n == 0 ? delay[i] : std::min(least, delay[i]);
    ++n;
  }
  if (n < kSpikeMinSamples) return spike;
  int k = 0;
  for (int i = 0; i < count; ++i) {
    if (fit[i]) excess[k++] = delay[i] - least;
  }
  std::nth_element(excess.begin(), excess.begin() + n / 2, excess.begin() + n);
  const double median = excess[n / 2];
  for (int i = 0; i < count; ++i) {
    spike[i] = fit[i] && median > 0.0 && delay[i] - least > kSpikeFactor * median;
  }
  return spike;
}

}  // namespace

bool ClockFilter::add(const Sample& sample, double frequency_ppm, double growth_ppm,
                      Duration jump) {
  bool discontinuity = false;
  if (count_ > 0) {
    const Sample& newest = stages_[head_];
    const double dt = to_seconds(sample.time - newest.time);
    const double expected = to_seconds(newest.offset) + dt * frequency_ppm * 1e-6;
    const double allowed = to_seconds(jump) + to_seconds(sample.delay + newest.delay) / 2 +
                           to_seconds(sample.dispersion + newest.dispersion) +
                           std::abs(dt) * growth_ppm * 1e-6;
    discontinuity = std::abs(to_seconds(sample.offset) - expected) > allowed;
    if (discontinuity) count_ = 0;
  }
  head_ = (head_ + 1) % kStages;
  stages_[head_] = sample;
  if (count_ < kStages) ++count_;
  ++next_sequence_;
  return discontinuity;
}

void ClockFilter::shift_system_clock(Duration step) {
  for (int i = 0; i < count_; ++i) {
    Sample& s = stages_[(head_ - i + kStages) % kStages];
    s.time += step;
    s.offset -= step;
  }
}

const Sample* ClockFilter::find(std::uint64_t sequence) const {
  if (count_ == 0 || sequence >= next_sequence_) return nullptr;
  const std::uint64_t age = next_sequence_ - 1 - sequence;
  if (age >= static_cast<std::uint64_t>(count_)) return nullptr;
  return &stages_[(head_ - static_cast<int>(age) + kStages) % kStages];
}

std::optional<FilterOutput> ClockFilter::evaluate(UnixTime now, double frequency_ppm,
                                                  double growth_ppm, double select_ppm,
                                                  Duration max_distance) const {
  if (count_ == 0) return std::nullopt;
  std::array<double, kStages> projected{};  // seconds
  std::array<bool, kStages> fit{};          // root distance within max_distance
  std::array<double, kStages> rank{};       // seconds: delay/2 + dispersion aged at select
  std::array<double, kStages> aged{};       // seconds: dispersion aged at growth
  std::array<double, kStages> delay{};      // seconds
  for (int i = 0; i < count_; ++i) {  // i = 0 is the newest
    const Sample& s = stages_[(head_ - i + kStages) % kStages];
    const double age = now > s.time ? to_seconds(now - s.time) : 0.0;
    projected[i] = to_seconds(s.offset) + to_seconds(now - s.time) * frequency_ppm * 1e-6;
    aged[i] = to_seconds(s.dispersion) + age * growth_ppm * 1e-6;
    delay[i] = to_seconds(s.delay);
    fit[i] = to_seconds(s.root_delay / 2 + s.root_dispersion) + delay[i] / 2 + aged[i] <=
             to_seconds(max_distance);
    rank[i] = delay[i] / 2 + to_seconds(s.dispersion) + age * select_ppm * 1e-6;
  }
  const std::array<bool, kStages> spike = delay_spikes(delay, fit, count_);
  int best = -1;
  for (int i = 0; i < count_; ++i) {
    if (spike[i]) continue;
    if (best < 0 || rank[i] < rank[best]) best = i;
  }
  const double best_rank = rank[best];
  const double best_dispersion = aged[best];
  double sum_squares = 0.0;
  int others = 0;
  for (int i = 0; i < count_; ++i) {
    if (i == best || !fit[i]) continue;
    const double d = projected[i] - projected[best];
    sum_squares += d * d;
    ++others;
  }
  const double jitter = others > 0 ? std::sqrt(sum_squares / others) : 0.0;
  // The weighted mean of the fit samples: weight 1 for the chosen one, falling off with
  // the square of how much worse each one ranks, in units of half the jitter.
  const double scale = std::max(jitter / 2, 1e-9);
  double weights = 0.0;
  double shift = 0.0;  // weighted sum of (projected − chosen)
  for (int i = 0; i < count_; ++i) {
    if (i != best && (!fit[i] || spike[i])) continue;
    const double x = 1.0 + (rank[i] - best_rank) / scale;
    weights += 1.0 / (x * x);
    shift += (projected[i] - projected[best]) / (x * x);
  }
  const double mean = projected[best] + shift / weights;
  FilterOutput out;
  out.sample = stages_[(head_ - best + kStages) % kStages];
  out.sequence = next_sequence_ - 1 - static_cast<std::uint64_t>(best);
  out.offset = from_seconds(mean);
  out.dispersion = from_seconds(best_dispersion + std::abs(mean - projected[best]));
  out.jitter = from_seconds(jitter);
  out.distance = (out.sample.root_delay + out.sample.delay) / 2 + out.sample.root_dispersion +
                 out.dispersion + out.jitter;
  return out;
}

}  // namespace kairos::sync
