// Rng: the simulator's seeded pseudo-random generator (xoshiro256**, seeded through
// splitmix64) with its own distributions, so a seed gives the same numbers on every
// platform and standard library (std::*_distribution is implementation-defined).
//
// Every entity (node clock, link direction, server) owns one Rng derived from the
// scenario seed and a stable entity key: adding an entity never changes another's draws.
//
// Thread safety: none; a plain value.
#pragma once

#include <cstdint>
#include <string_view>

namespace kairos::sim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // A generator for `entity` (a stable name such as "node/app-3/clock") under `seed`.
  static Rng derive(std::uint64_t seed, std::string_view entity);

  std::uint64_t next();
  double uniform();                         // [0, 1)
  double uniform(double low, double high);  // [low, high)
  double exponential(double mean);          // mean >= 0
  double normal();                          // mean 0, standard deviation 1
  // Pareto with scale x_m (the minimum) and shape alpha > 0: heavy-tailed.
  double pareto(double scale, double alpha);
  bool chance(double probability);  // true with `probability`

 private:
  std::uint64_t s_[4];
};

}  // namespace kairos::sim
