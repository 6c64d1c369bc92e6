#include "sync/clock_filter.h"

#include <algorithm>
#include <cmath>

namespace kairos::sync {
namespace {

// A fit sample whose delay exceeds the least fit delay by more than kSpikeFactor times the
// median excess (over at least kSpikeMinSamples fit samples) was held up on one leg: its
// offset is off by up to half that excess. It is never chosen (it still counts in the
// jitter, and in the offset estimate with next to no weight). Any chosen sample gives an
// honest interval, so this only decides which one.
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

// The least offset noise a sample is credited with (seconds), so one near-perfect sample
// cannot take all the weight.
constexpr double kNoiseFloor = 1e-7;
// The newest samples whose scatter (about a free line) is the floor of every fit's noise
// scale, and all a single sample has: few, so that a wandering rate barely shows in them.
constexpr int kNoiseSamples = 4;

struct Line {
  double at_now = 0.0;  // the fitted offset at x = 0 (now), seconds
  double spread = 0.0;  // variance of at_now if the weights were exact inverse variances, s²
  double scale = 1.0;   // χ² per degree of freedom (1 when there is none): how much more
                        // the points scatter than the weights say
};

// Weighted least squares offset = a + b·x through the first `n` points (newest first). With
// fewer than 4 points or no spread in time, the slope is `fallback_slope` and only a is fitted.
Line fit_line(const std::array<double, ClockFilter::kHistory>& x,
              const std::array<double, ClockFilter::kHistory>& y,
              const std::array<double, ClockFilter::kHistory>& w, int n, double fallback_slope) {
  double sw = 0.0, sx = 0.0, sy = 0.0;
  for (int i = 0; i < n; ++i) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  const double mx = sx / sw;
  const double my = sy / sw;
  double sxx = 0.0, sxy = 0.0;
  for (int i = 0; i < n; ++i) {
    sxx += w[i] * (x[i] - mx) * (x[i] - mx);
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  const bool free_slope = n >= 4 && sxx > 0.0;
  const double slope = free_slope ? sxy / sxx : fallback_slope;
  Line line;
  line.at_now = my - slope * mx;
  line.spread = 1.0 / sw + (free_slope ? mx * mx / sxx : 0.0);
  double chi2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double r = y[i] - (line.at_now + slope * x[i]);
    chi2 += w[i] * r * r;
  }
  const int dof = n - (free_slope ? 2 : 1);
  line.scale = dof > 0 ? std::max(1.0, chi2 / dof) : 1.0;
  return line;
}

// Whether a sample's root distance, aged to `now`, is within max_distance.
bool within(const Sample& s, UnixTime now, double growth_ppm, Duration max_distance) {
  const double age = now > s.time ? to_seconds(now - s.time) : 0.0;
  return to_seconds(s.root_delay / 2 + s.root_dispersion + s.delay / 2 + s.dispersion) +
             age * growth_ppm * 1e-6 <=
         to_seconds(max_distance);
}

}  // namespace

bool ClockFilter::add(const Sample& sample, double frequency_ppm, double growth_ppm,
                      Duration jump) {
  bool discontinuity = false;
  if (count_ > 0) {
    const Sample& newest = ring_[head_];
    const double dt = to_seconds(sample.time - newest.time);
    const double expected = to_seconds(newest.offset) + dt * frequency_ppm * 1e-6;
    const double allowed = to_seconds(jump) + to_seconds(sample.delay + newest.delay) / 2 +
                           to_seconds(sample.dispersion + newest.dispersion) +
                           std::abs(dt) * growth_ppm * 1e-6;
    discontinuity = std::abs(to_seconds(sample.offset) - expected) > allowed;
    if (discontinuity) count_ = 0;
  }
  head_ = (head_ + 1) % kHistory;
  ring_[head_] = sample;
  if (count_ < kHistory) ++count_;
  ++next_sequence_;
  return discontinuity;
}

void ClockFilter::shift_system_clock(Duration step) {
  for (int i = 0; i < count_; ++i) {
    Sample& s = ring_[(head_ - i + kHistory) % kHistory];
    s.time += step;
    s.offset -= step;
  }
}

const Sample* ClockFilter::find(std::uint64_t sequence) const {
  if (count_ == 0 || sequence >= next_sequence_) return nullptr;
  const std::uint64_t age = next_sequence_ - 1 - sequence;
  if (age >= static_cast<std::uint64_t>(count_)) return nullptr;
  return &at(static_cast<int>(age));
}


const Sample& ClockFilter::at(int i) const { return ring_[(head_ - i + kHistory) % kHistory]; }

std::optional<FilterOutput> ClockFilter::evaluate(UnixTime now, double frequency_ppm,
                                                  double growth_ppm, double select_ppm,
                                                  Duration max_distance) const {
  if (count_ == 0) return std::nullopt;
  const int stages = std::min(count_, kStages);
  std::array<double, kStages> projected{};  // seconds
  std::array<bool, kStages> fit{};          // root distance within max_distance
  std::array<double, kStages> rank{};       // seconds: delay/2 + dispersion aged at select
  std::array<double, kStages> aged{};       // seconds: dispersion aged at growth
  std::array<double, kStages> delay{};      // seconds
  for (int i = 0; i < stages; ++i) {  // i = 0 is the newest
    const Sample& s = at(i);
    const double age = now > s.time ? to_seconds(now - s.time) : 0.0;
    projected[i] = to_seconds(s.offset) + to_seconds(now - s.time) * frequency_ppm * 1e-6;
    aged[i] = to_seconds(s.dispersion) + age * growth_ppm * 1e-6;
    delay[i] = to_seconds(s.delay);
    fit[i] = within(s, now, growth_ppm, max_distance);
    rank[i] = delay[i] / 2 + to_seconds(s.dispersion) + age * select_ppm * 1e-6;
  }
  const std::array<bool, kStages> spike = delay_spikes(delay, fit, stages);
  int best = -1;
  for (int i = 0; i < stages; ++i) {
    if (spike[i]) continue;
    if (best < 0 || rank[i] < rank[best]) best = i;
  }
  double sum_squares = 0.0;
  int others = 0;
  for (int i = 0; i < stages; ++i) {
    if (i == best || !fit[i]) continue;
    const double d = projected[i] - projected[best];
    sum_squares += d * d;
    ++others;
  }
  const double jitter = others > 0 ? std::sqrt(sum_squares / others) : 0.0;
  const double estimate =
      history_estimate(now, frequency_ppm, growth_ppm, max_distance, projected[best]);
  FilterOutput out;
  out.sample = at(best);
  out.sequence = next_sequence_ - 1 - static_cast<std::uint64_t>(best);
  out.offset = from_seconds(estimate);
  out.dispersion = from_seconds(aged[best] + std::abs(estimate - projected[best]));
  out.jitter = from_seconds(jitter);
  out.distance = (out.sample.root_delay + out.sample.delay) / 2 + out.sample.root_dispersion +
                 out.dispersion + out.jitter;
  return out;
}

double ClockFilter::history_estimate(UnixTime now, double frequency_ppm, double growth_ppm,
                                     Duration max_distance, double fallback) const {
  // The fit samples of the history, newest first: x = age (s, <= 0 into the past),
  // y = offset (s), w = 1 / variance (s⁻²).
  std::array<double, kHistory> x{};
  std::array<double, kHistory> y{};
  std::array<double, kHistory> w{};
  std::array<double, kHistory> floor{};
  double least_delay = 0.0;
  int n = 0;
  for (int i = 0; i < count_; ++i) {
    const Sample& s = at(i);
    if (!within(s, now, growth_ppm, max_distance)) continue;
    x[n] = to_seconds(s.time - now);
    y[n] = to_seconds(s.offset);
    w[n] = to_seconds(s.delay);  // delay for now; turned into a weight below
    floor[n] = std::max(to_seconds(s.dispersion), kNoiseFloor);
    least_delay = n == 0 ? w[n] : std::min(least_delay, w[n]);
    ++n;
  }
  if (n == 0) return fallback;
  for (int i = 0; i < n; ++i) {
    // A round trip `excess` longer than the least was held up on its legs in some split
    // unknown to us: uniform split of the excess gives an offset error with variance
    // excess²/12, on top of the sample's own precision.
    const double excess = w[i] - least_delay;
    w[i] = 1.0 / (floor[i] * floor[i] + excess * excess / 12.0);
  }
  // Fit the newest 1, 2, 4, ... samples and all of them; the fit whose value now is the
  // least uncertain wins. Its uncertainty is the weights' own, scaled by how much more the
  // points scatter: by the newest kNoiseSamples' scatter (a floor, and all that a single
  // sample has), or by its own where that is more. A rate that wandered bends the points
  // away from any line, so a fit over fewer, newer points then wins; and a fit of 2 or 3
  // points, which takes the drift estimate's slope, answers for it: when that estimate is
  // stale, the points disagree with it.
  const int stages = std::min(n, kNoiseSamples);
  const double noise = fit_line(x, y, w, stages, frequency_ppm * 1e-6).scale;
  Line best;
  double least = 0.0;
  for (int used = 1; used < 2 * n; used *= 2) {
    const Line line = fit_line(x, y, w, std::min(used, n), frequency_ppm * 1e-6);
    const double uncertainty = line.spread * std::max(noise, line.scale);
    if (used == 1 || uncertainty < least) {
      best = line;
      least = uncertainty;
    }
    if (used >= n) break;
  }
  return best.at_now;
}

}  // namespace kairos::sync
