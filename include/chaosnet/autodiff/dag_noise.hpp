#pragma once

// Stochastic node failure and Gaussian noise inside a sparse_dag (seed 002 on chaos networks):
// what a recording asks for, and what the kernel does to one unit. Every draw comes from the
// counter-based stream of util/counter_noise.hpp keyed by (seed, pass, unit id, sample), so a
// forward pass draws the same masks whatever the thread count or what ran before it.

#include <chaosnet/util/counter_noise.hpp>

#include <cmath>
#include <cstdint>

namespace chaosnet {

/// Failure and noise on the inner mish units of a sparse_dag (a network's Normal nodes; the
/// output units, a network's leaves, are never touched). Each forward pass, each such unit's
/// pre-activation gets N(0, noise_std²) noise per sample, and its output is zeroed with
/// probability fail_prob per sample. A failed unit passes no gradient either.
struct DagNoise {
  double fail_prob = 0;   ///< in [0, 1)
  double noise_std = 0;   ///< ≥ 0
  bool rescale = false;   ///< inverted dropout: survivors' outputs × 1/(1 − fail_prob)
  std::uint64_t seed = 0;
  std::uint64_t draw = 0;  ///< which forward pass: the stream's counter (set_dag_noise_draw)

  [[nodiscard]] bool active() const { return fail_prob > 0 || noise_std > 0; }
  /// What a survivor's output is multiplied by.
  [[nodiscard]] double survivor_scale() const { return rescale ? 1.0 / (1.0 - fail_prob) : 1.0; }
};

namespace detail {

/// One unit's pass under `noise`: noise on `pre`, then value = keep·mish(pre) and, when
/// `slope` is given (training), slope = keep·mish'(pre), keep being 0 for a failed sample and
/// survivor_scale() otherwise. `unit` is the unit's id in the stream.
template <class Mish, class Batch>
void noisy_mish_unit(const DagNoise& noise, std::uint64_t unit, Batch& pre, Batch& value, Batch* slope) {
  using T = typename Batch::Scalar;
  if (noise.noise_std > 0) util::add_gaussian_noise(pre, noise.noise_std, noise.seed, noise.draw, unit);
  if (slope != nullptr) {
    Mish::value_and_slope(pre, value, *slope);
  } else {
    value = Mish::value(pre);
  }
  if (noise.fail_prob <= 0) return;  // survivor_scale() is 1 too
  Batch keep;
  util::fill_keep_mask(keep, noise.fail_prob, noise.seed, noise.draw, unit,
                       static_cast<T>(noise.survivor_scale()));
  value *= keep;
  if (slope != nullptr) *slope *= keep;
}

}  // namespace detail
}  // namespace chaosnet
