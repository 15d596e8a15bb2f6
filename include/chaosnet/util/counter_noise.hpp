#pragma once

// Noise and failure draws from a counter-based stream: every draw is a pure function of
// (seed, draw, unit, sample), so a run gives the same masks whatever the thread count, the
// batch order or what was drawn before (stochastic node failure and Gaussian noise, seed 002).

#include <chaosnet/util/random.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace chaosnet::util {

/// The random word of sample `sample` of unit `unit` in draw `draw` (a forward pass or a tick).
inline std::uint64_t noise_word(std::uint64_t seed, std::uint64_t draw, std::uint64_t unit,
                                std::uint64_t sample) {
  return mix64(counter_hash(seed, draw, unit) ^ (sample * 0xd1b54a32d192ed03ULL));
}

/// Uniform in [0, 1) from the top 24 bits of a word: enough resolution for any failure
/// probability a user can type (2^-24 ≈ 6e-8), and exact in float.
inline double unit_from_word(std::uint64_t word) {
  return static_cast<double>(word >> 40) * 0x1.0p-24;
}

/// The integer form of "unit_from_word(word) < fail_prob": word >> 40 < failure_threshold(p).
/// Exact, since p·2^24 is computed without rounding for any double p in [0, 1].
inline std::uint64_t failure_threshold(double fail_prob) {
  return static_cast<std::uint64_t>(std::ceil(fail_prob * 0x1.0p24));
}

/// Fill `keep` (one value per sample) with `survivor` where the unit survives and 0 where it
/// fails, each sample failing with probability `fail_prob`: failure when the word's uniform is
/// below p. `survivor` is 1, or 1/(1 − p) for inverted-dropout scaling.
template <class Derived>
void fill_keep_mask(Eigen::DenseBase<Derived>& keep, double fail_prob, std::uint64_t seed,
                    std::uint64_t draw, std::uint64_t unit,
                    typename Derived::Scalar survivor = typename Derived::Scalar(1)) {
  using T = typename Derived::Scalar;
  const std::uint64_t threshold = failure_threshold(fail_prob);
  const std::uint64_t stream = counter_hash(seed, draw, unit);  // noise_word's, hoisted
  for (Eigen::Index k = 0; k < keep.size(); ++k) {
    const std::uint64_t word = mix64(stream ^ (static_cast<std::uint64_t>(k) * 0xd1b54a32d192ed03ULL));
    keep(k) = (word >> 40) < threshold ? T(0) : survivor;
  }
}

/// Add N(0, std²) noise, one value per sample, by Box–Muller on the two 32-bit halves of a
/// second word (the first word belongs to the failure mask, so noise and failure are
/// independent): z = √(−2 ln u₁)·cos(2π u₂), u₁ in (0, 1], so |z| ≤ 6.7.
template <class Derived>
void add_gaussian_noise(Eigen::DenseBase<Derived>& x, double std_dev, std::uint64_t seed,
                        std::uint64_t draw, std::uint64_t unit) {
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    const std::uint64_t word = mix64(noise_word(seed, draw, unit, static_cast<std::uint64_t>(k)));
    const double u1 = (static_cast<double>(word >> 32) + 1.0) * 0x1.0p-32;
    const double u2 = static_cast<double>(word & 0xffffffffULL) * 0x1.0p-32;
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    x(k) += static_cast<typename Derived::Scalar>(std_dev * z);
  }
}

}  // namespace chaosnet::util
