#pragma once

// Portable random draws on top of std::mt19937_64, whose output sequence the standard fixes.
// The standard distributions are implementation-defined; these are not, so a seed gives the same
// network, mutation and batch order with any compiler (checkpoints stay reproducible).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>

namespace chaosnet {

/// The one random engine chaosnet uses. Always passed in explicitly: no hidden global state.
using Rng = std::mt19937_64;

namespace util {

/// Uniform integer in [0, n), n > 0, exactly (rejection of the top partial range of 2^64).
inline std::size_t uniform_index(Rng& rng, std::size_t n) {
  const std::uint64_t range = n;
  const std::uint64_t reject_below = (0 - range) % range;  // 2^64 mod n
  std::uint64_t r = rng();
  while (r < reject_below) r = rng();
  return static_cast<std::size_t>(r % range);
}

/// Uniform double in [0, 1) with 53 random bits.
inline double uniform_unit(Rng& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Uniform double in [lo, hi).
inline double uniform_real(Rng& rng, double lo, double hi) {
  return lo + (hi - lo) * uniform_unit(rng);
}

/// true with probability p.
inline bool bernoulli(Rng& rng, double p) {
  return uniform_unit(rng) < p;
}

/// N(mean, std²) by Box–Muller on two uniforms (one draw per call; portable, unlike
/// std::normal_distribution, whose algorithm differs between standard libraries).
inline double normal(Rng& rng, double mean, double std_dev) {
  const double u1 = 1.0 - uniform_unit(rng);  // (0, 1]
  const double u2 = uniform_unit(rng);
  return mean + std_dev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// splitmix64's finaliser: a bijection of 64-bit words whose outputs look independent even for
/// consecutive inputs.
inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A random word for the counters (seed, a, b): the same for the same counters whatever was drawn
/// before, in which order, or on which thread (a counter-based stream; per-sample choices such as
/// augmentation use it, where a shared generator would depend on the batch order).
inline std::uint64_t counter_hash(std::uint64_t seed, std::uint64_t a = 0, std::uint64_t b = 0) {
  return mix64(mix64(mix64(seed) ^ a) ^ b);
}

/// An independent stream for (seed, a, b), seeded with counter_hash. Used to give every
/// population member and generation its own reproducible RNG, whatever the thread count.
inline Rng derive_rng(std::uint64_t seed, std::uint64_t a = 0, std::uint64_t b = 0) {
  return Rng(counter_hash(seed, a, b));
}

}  // namespace util
}  // namespace chaosnet
