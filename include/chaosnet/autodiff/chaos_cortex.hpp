#pragma once

// chaos_cortex(): ChaosNet's stack of spiking layers (seed 002) run for T ticks, recorded as one
// op whose outputs are the last layer's spikes averaged over the ticks (what the seed's readout
// reads). Noise and failure come from a counter-based stream keyed by (seed, forward pass, tick,
// neuron, sample), so a replay draws fresh masks and a seed gives the same masks everywhere.

#include <chaosnet/autodiff/chaos_cortex_program.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>

#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// The shape and dynamics of a recorded cortex.
struct ChaosCortexOptions {
  ChaosNeuronParams params;
  TickMode mode = TickMode::independent;
  std::uint32_t ticks = 5;
  std::vector<std::uint32_t> hidden;  ///< neurons per layer, bottom first
  std::uint64_t seed = 0;             ///< the noise and failure stream
};

/// A recorded cortex: its outputs, and its index on the tape for set_chaos_params() and
/// set_chaos_stream().
template <class T, int N>
struct ChaosCortexRecord {
  Tensor1DRange<T, N> mean_spikes;
  std::uint32_t program = 0;
};

namespace detail {
inline std::invalid_argument chaos_error(const std::string& what) {
  return std::invalid_argument("chaosnet::chaos_cortex: " + what);
}

inline void check_chaos_params(const ChaosNeuronParams& n) {
  auto check = [](double value, bool ok, const char* name, const char* range) {
    if (!std::isfinite(value) || !ok) {
      throw chaos_error(std::string(name) + " must be " + range + ", got " + std::to_string(value));
    }
  };
  check(n.threshold, true, "threshold", "finite");
  check(n.noise_std, n.noise_std >= 0, "noise_std", ">= 0");
  check(n.fail_prob, n.fail_prob >= 0 && n.fail_prob <= 1, "fail_prob", "in [0, 1]");
  check(n.decay, n.decay >= 0 && n.decay <= 1, "decay", "in [0, 1]");
  check(n.refractory_decay, n.refractory_decay >= 0 && n.refractory_decay <= 1,
        "refractory_decay", "in [0, 1]");
}
}  // namespace detail

/// Record a cortex of options.hidden.size() layers over `inputs` (consecutive batch slots, all
/// data or all variables). Layer l has weights w_in[l], hidden[l] × fan_in in row-major order
/// (PyTorch's Linear layout; fan_in is inputs.size() for the first layer, hidden[l−1] above);
/// w_rec[l] (hidden[l]², for every layer but the last) projects layer l's spikes to layer l+1's
/// input, as the seed's `out = W_rec·s` does. The last layer's W_rec is never read by the seed's
/// readout, so it is not asked for.
///
/// Forward per layer and tick, with m, r the membrane and refractory state (zero at the start,
/// and at every tick in TickMode::independent): a = m + W_in·x + ε, ε ~ N(0, σ²);
/// m₁ = a·(1 − r); s = H(m₁ − θ)·(1 − b), b ~ Bernoulli(p); r ← clip(r·ρ + s, 0, 1);
/// m ← m₁·(1 − λ); the next layer's x = W_rec·s. Output: Σ_t s_t / T of the last layer.
/// Derivative: H' is replaced by the triangular surrogate max(0, 1 − |m₁ − θ|) (no gradient to
/// θ); a failed spike passes none; in sequential mode gradients flow back through m and r
/// (backpropagation through time), the clamp passing its gradient on [0, 1] inclusive.
/// Throws std::invalid_argument, before recording anything, on shapes that do not fit or
/// parameters out of range.
template <class T, int N>
ChaosCortexRecord<T, N> chaos_cortex(std::span<const Tensor1D<T, N>> inputs,
                                     std::span<const Tensor0DRange<T, N>> w_in,
                                     std::span<const Tensor0DRange<T, N>> w_rec,
                                     const ChaosCortexOptions& options) {
  using detail::Recorder;
  using detail::Slot;
  const std::size_t layers = options.hidden.size();
  if (inputs.empty()) throw detail::chaos_error("needs at least one input");
  if (layers == 0) throw detail::chaos_error("needs at least one layer");
  if (options.ticks == 0) throw detail::chaos_error("needs at least one tick");
  detail::check_chaos_params(options.params);
  if (w_in.size() != layers || w_rec.size() != layers - 1) {
    throw detail::chaos_error(std::to_string(layers) + " layers need " + std::to_string(layers) +
                              " W_in and " + std::to_string(layers - 1) + " W_rec ranges, got " +
                              std::to_string(w_in.size()) + " and " + std::to_string(w_rec.size()));
  }
  auto& tape = detail::tape_of(inputs.front(), "chaos_cortex");
  const Slot first_input = tape.slot_of(inputs.front(), "chaos_cortex");
  const bool constant = Recorder::is_constant(tape, first_input);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Slot s = tape.slot_of(inputs[i], "chaos_cortex");
    if (s != first_input + i) throw detail::chaos_error("the inputs must be consecutive slots (made one after another)");
    if (Recorder::is_constant(tape, s) != constant) throw detail::chaos_error("the inputs must be all data or all variables");
  }
  detail::ChaosCortexProgram<T> program;
  program.params = options.params;
  program.mode = options.mode;
  program.ticks = options.ticks;
  program.seed = options.seed;
  program.input = first_input;
  program.input_constant = constant;
  program.sizes.push_back(static_cast<std::uint32_t>(inputs.size()));
  for (std::size_t l = 0; l < layers; ++l) {
    const std::size_t fan_in = program.sizes.back();
    if (options.hidden[l] == 0) throw detail::chaos_error("layer " + std::to_string(l) + " has no neurons");
    auto check_weights = [&](const Tensor0DRange<T, N>& range, std::size_t rows, std::size_t cols, const char* name) {
      if (range.size() != rows * cols) {
        throw detail::chaos_error(std::string(name) + " of layer " + std::to_string(l) + " needs " +
                                  std::to_string(rows) + " x " + std::to_string(cols) + " weights, got " +
                                  std::to_string(range.size()));
      }
      return tape.slot_of(range.front(), "chaos_cortex");
    };
    program.w_in.push_back(check_weights(w_in[l], options.hidden[l], fan_in, "W_in"));
    if (l + 1 < layers) program.w_rec.push_back(check_weights(w_rec[l], options.hidden[l], options.hidden[l], "W_rec"));
    program.sizes.push_back(options.hidden[l]);
  }
  const std::size_t states = layers * options.ticks;
  for (auto* v : {&program.x, &program.a, &program.r_before, &program.keep, &program.s, &program.grad_s}) {
    v->resize(states);
  }
  auto& columns = Recorder::columns(tape);
  columns.chaos_cortices.push_back(std::move(program));
  detail::OpRecord r;
  r.a = static_cast<Slot>(columns.chaos_cortices.size() - 1);
  r.count = options.hidden.back();
  try {
    return {Recorder::batches<detail::ChaosCortex>(tape, r), r.a};
  } catch (...) {
    columns.chaos_cortices.pop_back();
    throw;
  }
}

/// Change a recorded cortex's neuron parameters for the next forward() (a robustness sweep
/// evaluates one trained cortex at many failure probabilities).
template <class T, int N>
void set_chaos_params(Tape<T, N>& tape, const ChaosCortexRecord<T, N>& cortex, const ChaosNeuronParams& params) {
  detail::check_chaos_params(params);
  detail::Recorder::columns(tape).chaos_cortices.at(cortex.program).params = params;
}

/// Restart a recorded cortex's noise and failure stream: the next forward() draws what the
/// first forward pass after recording with `seed` would, advanced by `draw` passes.
template <class T, int N>
void set_chaos_stream(Tape<T, N>& tape, const ChaosCortexRecord<T, N>& cortex, std::uint64_t seed,
                      std::uint64_t draw = 0) {
  auto& program = detail::Recorder::columns(tape).chaos_cortices.at(cortex.program);
  program.seed = seed;
  program.draw = draw;
}

}  // namespace chaosnet
