#include "sim/rng.h"

#include <cmath>

namespace kairos::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (std::uint64_t& s : s_) s = splitmix64(seed);
}

Rng Rng::derive(std::uint64_t seed, std::string_view entity) {
  // FNV-1a of the entity name, mixed with the seed.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : entity) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  std::uint64_t x = seed ^ h;
  return Rng(splitmix64(x));
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

double Rng::exponential(double mean) { return -std::log(1.0 - uniform()) * mean; }

double Rng::normal() {
  // Box-Muller; one value per call keeps the stream simple to reason about.
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Rng::pareto(double scale, double alpha) {
  return scale / std::pow(1.0 - uniform(), 1.0 / alpha);
}

bool Rng::chance(double probability) { return probability > 0.0 && uniform() < probability; }

}  // namespace kairos::sim
