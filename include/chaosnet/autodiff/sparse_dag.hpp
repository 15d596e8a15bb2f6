#pragma once

// sparse_dag(): a whole directed acyclic graph of weighted-sum units recorded as one op. Each
// unit computes act(β + Σ_i w_i·source_i) over earlier units and external inputs, act being mish
// or the identity. It is what a chaos network is: a DagSpec describes it, and recording compiles
// the spec into the DagProgram (dag_program.hpp) that the kernel runs.

#include <chaosnet/autodiff/dag_program.hpp>
#include <chaosnet/autodiff/kernels/sparse_dag.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// What a unit applies to its weighted sum.
enum class Activation : std::uint8_t { identity, mish };

inline constexpr std::uint32_t dag_none = std::numeric_limits<std::uint32_t>::max();

/// One unit: act(β + Σ_i w_i·source_i).
struct DagUnit {
  Activation activation = Activation::mish;
  std::uint32_t bias = dag_none;      ///< index of β in the parameter range, or dag_none
  std::uint32_t first_weight = 0;     ///< index of w_0 in the parameter range; w_i follow it
  std::uint32_t first_source = 0;     ///< where this unit's sources start in DagSpec::sources
  std::uint32_t source_count = 0;
};

/// A DAG of units. Source index s < inputs is external input s; s ≥ inputs is unit s − inputs,
/// which must come before the unit reading it. The last `outputs` units are the op's outputs.
struct DagSpec {
  std::size_t inputs = 0;
  std::vector<DagUnit> units;
  std::vector<std::uint32_t> sources;
  std::size_t outputs = 0;
  /// Failure and noise on the inner mish units (dag_noise.hpp); inactive by default.
  DagNoise noise{};
  /// Each unit's id in the noise stream (a network's node ids, which survive mutation), or
  /// empty for the unit index.
  std::vector<std::uint32_t> noise_ids{};
};

/// Where a recorded sparse_dag keeps one unit's state: its value, and the slot whose gradient is
/// δ = ∂L/∂pre after backward (for a mish unit in training its value is mish'(pre), not pre).
/// For code that reads inner activations and δ after backward, such as candidate-edge gradients.
struct DagUnitSlots {
  std::uint32_t value = 0;
  std::uint32_t delta = 0;
};

/// Whether a sparse_dag recording will run backward. Inference skips the work backward needs
/// (mish' per unit) and cannot run backward.
enum class DagMode : std::uint8_t { training, inference };

namespace detail {
inline std::invalid_argument dag_error(const std::string& what) {
  return std::invalid_argument("chaosnet::sparse_dag: " + what);
}

inline void check_spec(const DagSpec& spec, std::size_t inputs, std::size_t parameters) {
  if (spec.inputs != inputs) {
    throw dag_error("the spec has " + std::to_string(spec.inputs) + " inputs, " +
                    std::to_string(inputs) + " tensors were given");
  }
  if (spec.outputs == 0 || spec.outputs > spec.units.size()) {
    throw dag_error(std::to_string(spec.outputs) + " outputs for " +
                    std::to_string(spec.units.size()) + " units");
  }
  if (!(spec.noise.fail_prob >= 0 && spec.noise.fail_prob < 1)) {
    throw dag_error("fail_prob " + std::to_string(spec.noise.fail_prob) + " is not in [0, 1)");
  }
  if (!(spec.noise.noise_std >= 0 && std::isfinite(spec.noise.noise_std))) {
    throw dag_error("noise_std " + std::to_string(spec.noise.noise_std) + " is not finite and >= 0");
  }
  if (!spec.noise_ids.empty() && spec.noise_ids.size() != spec.units.size()) {
    throw dag_error(std::to_string(spec.noise_ids.size()) + " noise ids for " +
                    std::to_string(spec.units.size()) + " units");
  }
  for (std::size_t u = 0; u < spec.units.size(); ++u) {
    const DagUnit& unit = spec.units[u];
    const std::string name = "unit " + std::to_string(u);
    if (std::size_t{unit.first_source} + unit.source_count > spec.sources.size()) {
      throw dag_error(name + ": its sources run past the source list");
    }
    if (unit.source_count > 0 && std::size_t{unit.first_weight} + unit.source_count > parameters) {
      throw dag_error(name + ": its weights run past the " + std::to_string(parameters) + " parameters");
    }
    if (unit.bias != dag_none && unit.bias >= parameters) {
      throw dag_error(name + ": its bias index is past the " + std::to_string(parameters) + " parameters");
    }
    for (std::uint32_t i = 0; i < unit.source_count; ++i) {
      if (spec.sources[unit.first_source + i] >= spec.inputs + u) {
        throw dag_error(name + ": source " + std::to_string(spec.sources[unit.first_source + i]) +
                        " is not an input or an earlier unit (would make a cycle)");
      }
    }
  }
}

/// Compiles a checked `spec` into `program` against absolute tape slots: parameter p is scalar
/// slot `parameters + p` and the op's output slots start at batch slot `first_slot`. On entry
/// program.inputs holds each input's value slot and constness; compile_dag fills in the rest.
/// Returns the number of output slots.
inline std::uint32_t compile_dag(const DagSpec& spec, Slot parameters, Slot first_slot,
                                 DagMode mode, DagProgram& program) {
  const std::size_t units = spec.units.size();
  const std::size_t first_output = units - spec.outputs;
  program.outputs = static_cast<std::uint32_t>(spec.outputs);
  program.training = mode == DagMode::training;
  program.noise = spec.noise;
  program.noise_ids = spec.noise_ids;
  if (program.noise_ids.empty()) {
    for (std::uint32_t u = 0; u < units; ++u) program.noise_ids.push_back(u);
  }
  program.units.assign(units, {});
  program.in_sources.clear();
  for (ProgramInput& input : program.inputs) input.out = {};
  for (std::size_t u = 0; u < units; ++u) {
    const DagUnit& from = spec.units[u];
    ProgramUnit& unit = program.units[u];
    unit.mish = from.activation == Activation::mish;
    unit.bias = from.bias == dag_none ? no_slot : parameters + from.bias;
    unit.first_weight = parameters + from.first_weight;
  }
  // Output slots: [pre, value] per inner mish unit, [pre] per inner identity unit, then the pre
  // slots of mish output units, then the output values, consecutive.
  Slot next = first_slot;
  for (std::size_t u = 0; u < first_output; ++u) {
    ProgramUnit& unit = program.units[u];
    unit.pre = next++;
    unit.value = unit.mish ? next++ : unit.pre;
  }
  for (std::size_t u = first_output; u < units; ++u) {
    if (program.units[u].mish) program.units[u].pre = next++;
  }
  for (std::size_t u = first_output; u < units; ++u) {
    ProgramUnit& unit = program.units[u];
    unit.value = next++;
    if (!unit.mish) unit.pre = unit.value;
  }

  // Outgoing edges, grouped by source (inputs, then units) and ordered by target: count them,
  // give each source its range, then fill the ranges in target order.
  auto out_of = [&](std::uint32_t s) -> EdgeRange& {
    return s < spec.inputs ? program.inputs[s].out : program.units[s - spec.inputs].out;
  };
  for (const DagUnit& unit : spec.units) {
    for (std::uint32_t i = 0; i < unit.source_count; ++i) ++out_of(spec.sources[unit.first_source + i]).count;
  }
  std::uint32_t edges = 0;
  for (std::uint32_t s = 0; s < spec.inputs + units; ++s) {
    EdgeRange& out = out_of(s);
    out.begin = edges;
    edges += out.count;
    out.count = 0;
  }
  program.out_edges.resize(edges);
  for (std::size_t u = 0; u < units; ++u) {
    const DagUnit& from = spec.units[u];
    ProgramUnit& unit = program.units[u];
    unit.in = {static_cast<std::uint32_t>(program.in_sources.size()), from.source_count};
    for (std::uint32_t i = 0; i < from.source_count; ++i) {
      const std::uint32_t s = spec.sources[from.first_source + i];
      program.in_sources.push_back(s < spec.inputs ? program.inputs[s].value
                                                   : program.units[s - spec.inputs].value);
      EdgeRange& out = out_of(s);
      program.out_edges[out.begin + out.count++] = {unit.pre, unit.first_weight + i};
    }
  }
  return next - first_slot;
}
}  // namespace detail

/// Record the whole DAG as one op; returns the values of the last spec.outputs units (for a
/// network: the class logits). `parameters` holds every bias and weight the spec indexes
/// (Tape::variables). Gradients flow to the parameters and to the inputs made with
/// Tape::variable (inputs made with Tape::input get none, which saves their work). With
/// spec.noise active, inner mish units fail and get noise as dag_noise.hpp says, from the
/// stream at spec.noise.draw; a failed unit's δ is 0.
/// Derivative: that of the graph of mul, add and mish it replaces. With pre = β + Σ_i w_i·x_i
/// and δ = ∂L/∂pre = ∂L/∂value ⊙ mish'(pre) (or ∂L/∂value for an identity unit): x_i receives
/// w_i·δ, w_i receives Σ_k δ_k·x_{i,k}, β receives Σ_k δ_k. mish' is finite everywhere, as for
/// mish(). Recorded for inference, it has no backward: Tape::backward throws std::logic_error.
/// Throws std::invalid_argument, before recording anything, if the spec does not fit the
/// inputs and parameters or is not acyclic. When `unit_slots` is given it receives every unit's
/// batch slots, in unit order.
template <class T, int N>
Tensor1DRange<T, N> sparse_dag(const DagSpec& spec, std::span<const Tensor1D<T, N>> inputs,
                               const Tensor0DRange<T, N>& parameters,
                               DagMode mode = DagMode::training,
                               std::vector<DagUnitSlots>* unit_slots = nullptr) {
  using detail::Recorder;
  using detail::Slot;
  detail::check_spec(spec, inputs.size(), parameters.size());
  auto& tape = detail::tape_of(parameters.front(), "sparse_dag");
  const Slot parameter_base = tape.slot_of(parameters.front(), "sparse_dag");
  for (const auto& x : inputs) (void)tape.slot_of(x, "sparse_dag");  // check all before changing the tape

  detail::OpRecord r;
  detail::DagProgram& program = Recorder::new_dag_program(tape, r.a);
  for (const auto& x : inputs) {
    const Slot s = tape.slot_of(x, "sparse_dag");
    program.inputs.push_back({.value = s, .constant = Recorder::is_constant(tape, s), .out = {}});
  }
  r.count = detail::compile_dag(spec, parameter_base, Recorder::next_batch_slot(tape), mode, program);
  const Tensor1DRange<T, N> all = Recorder::batches<detail::SparseDag>(tape, r);
  const std::size_t first_output = spec.units.size() - spec.outputs;
  for (std::size_t u = 0; u < program.units.size(); ++u) {
    const detail::ProgramUnit& unit = program.units[u];
    if (u < first_output || unit.pre != unit.value) Recorder::mark_internal(tape, unit.pre);
    if (u < first_output) Recorder::mark_internal(tape, unit.value);
  }
  if (unit_slots != nullptr) {
    unit_slots->clear();
    for (const detail::ProgramUnit& unit : program.units) unit_slots->push_back({unit.value, unit.pre});
  }
  return {all[all.size() - spec.outputs], spec.outputs};
}

/// Set which forward pass the noise stream of every sparse_dag recorded on `tape` draws next
/// (DagNoise::draw). A replay draws the same masks until this changes them, so a caller that
/// wants fresh masks per pass (training) sets a new draw before each forward(), and a gradient
/// check keeps one.
template <class T, int N>
void set_dag_noise_draw(Tape<T, N>& tape, std::uint64_t draw) {
  auto& columns = detail::Recorder::columns(tape);
  for (std::uint32_t d = 0; d < columns.dag_program_count; ++d) columns.dag_programs[d].noise.draw = draw;
}

}  // namespace chaosnet
