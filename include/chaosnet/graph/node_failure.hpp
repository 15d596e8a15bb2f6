#pragma once

// Stochastic node failure and Gaussian noise on a chaos network (seed 002): each Normal node's
// output is zeroed with probability fail_prob, independently per sample and per forward pass,
// and N(0, noise_std²) noise is added to its pre-activation; leaves are never touched. The
// seed applies both in training and in evaluation without rescaling; rescaling survivors by
// 1/(1 − p) (inverted dropout) is the control. Network::set_node_failure() turns it on.

#include <chaosnet/autodiff/dag_noise.hpp>
#include <chaosnet/util/enum_names.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace chaosnet {

/// When failure and noise apply: in training forward passes, in evaluation (inference)
/// passes, or both (the seed).
enum class FailurePhase : std::uint8_t { training, evaluation, both };

/// The names model files and the CLI use.
constexpr util::EnumTable<FailurePhase, 3> enum_names(FailurePhase) {
  return {{{FailurePhase::training, "train"}, {FailurePhase::evaluation, "eval"}, {FailurePhase::both, "both"}}};
}

struct NodeFailure {
  double fail_prob = 0;  ///< in [0, 1)
  double noise_std = 0;  ///< ≥ 0
  bool rescale = false;  ///< survivors × 1/(1 − fail_prob)
  FailurePhase phase = FailurePhase::both;
  std::uint64_t seed = 0;  ///< the mask stream; pass k of the network draws masks (seed, k, node, sample)

  [[nodiscard]] bool in_training() const { return phase != FailurePhase::evaluation; }
  [[nodiscard]] bool in_evaluation() const { return phase != FailurePhase::training; }
  /// The sparse_dag noise of the forward pass `draw`.
  [[nodiscard]] DagNoise dag_noise(std::uint64_t draw) const {
    return {.fail_prob = fail_prob, .noise_std = noise_std, .rescale = rescale, .seed = seed, .draw = draw};
  }
};

/// Throws std::invalid_argument, naming the field, unless fail_prob is in [0, 1) and
/// noise_std is finite and ≥ 0.
inline void check_node_failure(const NodeFailure& failure) {
  if (!(failure.fail_prob >= 0 && failure.fail_prob < 1)) {
    throw std::invalid_argument("node failure: fail_prob " + std::to_string(failure.fail_prob) +
                                " is not in [0, 1) (at 1 every node fails)");
  }
  if (!(failure.noise_std >= 0 && std::isfinite(failure.noise_std))) {
    throw std::invalid_argument("node failure: noise_std " + std::to_string(failure.noise_std) +
                                " is not a finite number >= 0");
  }
}

}  // namespace chaosnet
