#pragma once

// ChaosNet's spiking neuron (seed 002): its parameters and the two default sets the seed ships.
// The tick itself is the chaos_cortex op (autodiff/chaos_cortex.hpp).

#include <chaosnet/autodiff/chaos_cortex_program.hpp>

namespace chaosnet {

/// The seed library's defaults (its ChaosNeuronParams): θ 0.5, σ 0.05, p 0.1, λ 0.02, ρ 0.9.
inline ChaosNeuronParams chaos_library_params() { return {}; }

/// What every experiment script of the seed uses instead: σ 0.01 and ρ 0.95; p is set per run
/// (0.3–0.5 in its experiments), here 0.5 as in its headline run.
inline ChaosNeuronParams chaos_experiment_params() {
  return {.threshold = 0.5, .noise_std = 0.01, .fail_prob = 0.5, .decay = 0.02, .refractory_decay = 0.95};
}

}  // namespace chaosnet
