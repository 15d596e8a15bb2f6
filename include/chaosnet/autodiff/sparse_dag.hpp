#pragma once

// sparse_dag(): a whole directed acyclic graph of weighted-sum units recorded as one op. Each
// unit computes act(β + Σ_i w_i·source_i) over earlier units and external inputs, act being mish
// or the identity. It is what a chaos network is, in the form the fastest kernel wants.

#include <chaosnet/autodiff/kernels/sparse_dag.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>

#include <algorithm>
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
};

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
}  // namespace detail

/// Whether a sparse_dag recording will run backward. Inference skips the work backward needs
/// (mish' per unit) and cannot run backward.
enum class DagMode : std::uint8_t { training, inference };

/// Record the whole DAG as one op; returns the values of the last spec.outputs units (for a
/// network: the class logits). `parameters` holds every bias and weight the spec indexes
/// (Tape::variables). Gradients flow to the parameters and to the inputs made with
/// Tape::variable (inputs made with Tape::input get none, which saves their work). Equal to the
/// graph of mul, add and mish it replaces; see kernels/sparse_dag.hpp for how it runs.
template <class T, int N>
Tensor1DRange<T, N> sparse_dag(const DagSpec& spec, std::span<const Tensor1D<T, N>> inputs,
                               const Tensor0DRange<T, N>& parameters,
                               DagMode mode = DagMode::training) {
  namespace L = detail::dag_layout;
  using detail::Slot;
  detail::check_spec(spec, inputs.size(), parameters.size());
  auto& tape = detail::tape_of(parameters.front(), "sparse_dag");
  const Slot parameter_base = tape.slot_of(parameters.front(), "sparse_dag");
  std::vector<Slot> input_slots;
  for (const auto& x : inputs) input_slots.push_back(tape.slot_of(x, "sparse_dag"));

  // Output slots: [pre, value] per inner mish unit, [pre] per inner identity unit, then the pre
  // slots of mish output units, then the output values, consecutive.
  const std::size_t units = spec.units.size();
  const std::size_t first_output = units - spec.outputs;
  const Slot base = detail::Recorder::next_batch_slot(tape);
  std::vector<Slot> pre(units), value(units);
  Slot next = base;
  for (std::size_t u = 0; u < first_output; ++u) {
    pre[u] = next++;
    value[u] = spec.units[u].activation == Activation::mish ? next++ : pre[u];
  }
  for (std::size_t u = first_output; u < units; ++u) {
    if (spec.units[u].activation == Activation::mish) pre[u] = next++;
  }
  for (std::size_t u = first_output; u < units; ++u) {
    value[u] = next++;
    if (spec.units[u].activation != Activation::mish) pre[u] = value[u];
  }
  auto source_value = [&](std::uint32_t s) { return s < spec.inputs ? input_slots[s] : value[s - spec.inputs]; };

  // Outgoing edges, grouped by source (inputs, then units) and ordered by target.
  const std::size_t sources = spec.inputs + units;
  std::vector<std::uint32_t> out_count(sources, 0), out_begin(sources + 1, 0);
  for (const DagUnit& unit : spec.units) {
    for (std::uint32_t i = 0; i < unit.source_count; ++i) ++out_count[spec.sources[unit.first_source + i]];
  }
  for (std::size_t s = 0; s < sources; ++s) out_begin[s + 1] = out_begin[s] + out_count[s];
  std::vector<Slot> out_edges(2 * std::size_t{out_begin[sources]});
  std::vector<std::uint32_t> filled(out_begin.begin(), out_begin.end() - 1);
  std::vector<Slot> in_sources;
  in_sources.reserve(spec.sources.size());
  std::vector<Slot> blob{static_cast<Slot>(units), static_cast<Slot>(spec.inputs), 0, 0,
                         static_cast<Slot>(spec.outputs), mode == DagMode::training ? 1u : 0u};
  std::vector<Slot> unit_fields;
  for (std::size_t u = 0; u < units; ++u) {
    const DagUnit& unit = spec.units[u];
    const auto in_begin = static_cast<Slot>(in_sources.size());
    for (std::uint32_t i = 0; i < unit.source_count; ++i) {
      const std::uint32_t s = spec.sources[unit.first_source + i];
      in_sources.push_back(source_value(s));
      const std::uint32_t at = filled[s]++;
      out_edges[2 * std::size_t{at}] = pre[u];
      out_edges[2 * std::size_t{at} + 1] = parameter_base + unit.first_weight + i;
    }
    const std::size_t s = spec.inputs + u;
    unit_fields.insert(unit_fields.end(),
                       {unit.activation == Activation::mish ? 1u : 0u,
                        unit.bias == dag_none ? detail::no_slot : parameter_base + unit.bias,
                        parameter_base + unit.first_weight, in_begin, unit.source_count,
                        out_begin[s], out_count[s], pre[u], value[u]});
  }
  blob[2] = static_cast<Slot>(in_sources.size());
  blob[3] = static_cast<Slot>(out_edges.size() / 2);
  blob.insert(blob.end(), unit_fields.begin(), unit_fields.end());
  for (std::size_t i = 0; i < spec.inputs; ++i) {
    blob.insert(blob.end(), {input_slots[i], detail::Recorder::is_constant(tape, input_slots[i]) ? 1u : 0u,
                             out_begin[i], out_count[i]});
  }
  blob.insert(blob.end(), in_sources.begin(), in_sources.end());
  blob.insert(blob.end(), out_edges.begin(), out_edges.end());
  static_assert(L::header_size == 6 && L::unit_size == 9 && L::input_size == 4,
                "keep the blob writer in step with dag_layout");

  detail::OpRecord r;
  r.a = detail::Recorder::append_operands(tape, std::span<const Slot>(blob));
  r.count = next - base;
  const Tensor1DRange<T, N> all = detail::Recorder::batches<detail::SparseDag>(tape, r);
  for (std::size_t u = 0; u < units; ++u) {
    if (u < first_output || pre[u] != value[u]) detail::Recorder::mark_internal(tape, pre[u]);
    if (u < first_output) detail::Recorder::mark_internal(tape, value[u]);
  }
  return {all[all.size() - spec.outputs], spec.outputs};
}

}  // namespace chaosnet
