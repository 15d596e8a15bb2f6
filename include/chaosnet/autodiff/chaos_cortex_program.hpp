#pragma once

// What a recorded chaos_cortex op (autodiff/chaos_cortex.hpp) keeps between forward and
// backward: the neuron parameters, the layer shapes, where its inputs and weights live on the
// tape, its random stream, and per layer and tick the state backward needs.

#include <chaosnet/autodiff/op_record.hpp>
#include <chaosnet/util/enum_names.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <vector>

namespace chaosnet {

/// The parameters of ChaosNet's spiking neuron (seed 002). These defaults are the seed's
/// library defaults; its experiment scripts use chaos_experiment_params() (dynamics/).
struct ChaosNeuronParams {
  double threshold = 0.5;          ///< θ: a neuron spikes when its membrane exceeds it
  double noise_std = 0.05;         ///< σ of the Gaussian noise added to the membrane every tick
  double fail_prob = 0.1;          ///< p: chance that a spike is dropped, per neuron, sample, tick
  double decay = 0.02;             ///< λ: membrane leak per tick, m ← m·(1 − λ)
  double refractory_decay = 0.9;   ///< ρ: refractory state r ← clip(r·ρ + s, 0, 1)
};

/// How ticks relate. sequential: membrane and refractory state carry from tick to tick (the
/// seed's first version, trained with full BPTT). independent: every tick starts from zero
/// state (the seed's scripts since its "ticks parallelization" commit), so a tick is one noisy,
/// failing threshold unit and the T ticks are T samples of it.
enum class TickMode : std::uint8_t { sequential, independent };

/// The names model files and the CLI use.
constexpr util::EnumTable<TickMode, 2> enum_names(TickMode) {
  return {{{TickMode::sequential, "sequential"}, {TickMode::independent, "independent"}}};
}

namespace detail {

template <class T>
struct ChaosCortexProgram {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // N × units, like batch slots

  ChaosNeuronParams params;
  TickMode mode = TickMode::independent;
  std::uint32_t ticks = 1;
  std::vector<std::uint32_t> sizes;  ///< [inputs, hidden_1, …, hidden_L]
  Slot input = no_slot;              ///< first of sizes[0] consecutive input batch slots
  bool input_constant = true;        ///< the inputs are data (no gradient to them)
  std::vector<Slot> w_in;            ///< per layer: first of hidden × fan_in weights, row-major
  std::vector<Slot> w_rec;           ///< per layer but the last: hidden × hidden, row-major
  std::uint64_t seed = 0;
  std::uint64_t draw = 0;            ///< forward passes so far: the stream's counter

  // Per layer l and tick t, at [l·ticks + t]: the layer's input (layers above the first), the
  // membrane a before refractory gating, the refractory state r before the tick, the keep mask
  // (1 − b) and the spikes; and backward's ∂L/∂spikes.
  std::vector<Matrix> x, a, r_before, keep, s, grad_s;
};

}  // namespace detail
}  // namespace chaosnet
