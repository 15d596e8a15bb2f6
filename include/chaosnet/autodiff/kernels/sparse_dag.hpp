#pragma once

// A whole DAG of weighted-sum units in one record: what a chaos network is, and where training
// time goes. Forward pulls each unit's inputs over its incoming edges (weights contiguous, four
// accumulators) and, when recorded for training, leaves mish'(pre) in the pre slot. Backward runs
// the units in reverse and also *pulls*: a unit gathers the δ of the units it feeds (final by
// then) over its outgoing edges, so every edge costs one read of a batch vector instead of a
// read-modify-write of its source's gradient, and the weight gradient of an outgoing edge is a dot
// product with the unit's own value, which is already in registers. (Blocked, transposed
// reductions of those dot products measured slower than Eigen's per-edge sum; see README §speed.)
// A test checks the result equals the op-by-op graph of mul, add and mish.

#include <chaosnet/autodiff/kernels/activation.hpp>
#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <stdexcept>

namespace chaosnet::detail {

/// Layout of a sparse-DAG record's description in the operand column, starting at OpRecord::a.
/// All entries are u32; slots are absolute tape slots.
namespace dag_layout {
/// Header: units, inputs, in-source count, out-edge count, outputs (the last units), training?
inline constexpr std::uint32_t header_size = 6;
/// Per unit: mish?, bias slot (or no_slot), first weight slot, in_begin, in_count, out_begin,
/// out_count, pre-activation slot, value slot.
inline constexpr std::uint32_t unit_size = 9;
enum UnitField : std::uint32_t { mish, bias, first_weight, in_begin, in_count, out_begin, out_count, pre, value };
/// Per input: value slot, constant?, out_begin, out_count.
inline constexpr std::uint32_t input_size = 4;
enum InputField : std::uint32_t { input_value, input_constant, input_out_begin, input_out_count };
/// Offsets of the parts after the header.
struct View {
  const Slot* units;
  const Slot* inputs;
  const Slot* in_sources;  ///< value slot of each incoming edge's source
  const Slot* out_edges;   ///< (target pre slot, weight slot) per outgoing edge
  std::uint32_t unit_count, input_count, output_count;
  bool training;  ///< forward stores mish'(pre) in the pre slot; backward needs it
};
inline View view(const Slot* blob) {
  View v{};
  v.unit_count = blob[0];
  v.input_count = blob[1];
  v.output_count = blob[4];
  v.training = blob[5] != 0;
  v.units = blob + header_size;
  v.inputs = v.units + v.unit_count * unit_size;
  v.in_sources = v.inputs + v.input_count * input_size;
  v.out_edges = v.in_sources + blob[2];
  return v;
}
}  // namespace dag_layout

/// bias + Σ_i weight[i]·x[source[i]] over `count` edges into `out`, with four independent
/// accumulators (one would serialise every edge on the FMA latency).
template <class Batch, class T>
inline void weighted_sum_of(T bias, const T* weight, const Batch* x, const Slot* source,
                            std::uint32_t count, Batch& out) {
  Batch acc0 = Batch::Constant(bias), acc1 = Batch::Zero(), acc2 = Batch::Zero(), acc3 = Batch::Zero();
  std::uint32_t i = 0;
  for (; i + 4 <= count; i += 4) {
    acc0 += weight[i] * x[source[i]];
    acc1 += weight[i + 1] * x[source[i + 1]];
    acc2 += weight[i + 2] * x[source[i + 2]];
    acc3 += weight[i + 3] * x[source[i + 3]];
  }
  for (; i < count; ++i) acc0 += weight[i] * x[source[i]];
  out = (acc0 + acc1) + (acc2 + acc3);
}

/// Over the outgoing edges (target pre slot, weight slot) of one value x: each edge's weight
/// gradient Σ_k δ_{e,k}·x_k, and gx += Σ_e w_e·δ_e when `need_gx`, with δ_e the gradient of the
/// target's pre-activation (final by now: targets come later in the order).
template <class Batch, class T>
void pull_out_edges(const Batch& x, const Slot* edges, std::uint32_t count, const T* weight,
                    T* weight_grad, const Batch* delta, Batch& gx, bool need_gx) {
  for (std::uint32_t e = 0; e < count; ++e) {
    const Slot* edge = edges + 2 * e;
    const Batch& d = delta[edge[0]];
    weight_grad[edge[1]] += (d * x).sum();
    if (need_gx) gx += weight[edge[1]] * d;
  }
}

/// Record: a = offset of the description (dag_layout) in operands; out = first of `count` output
/// slots. Every unit computes pre = β + Σ_i w_i·x_i and value = mish(pre) or value = pre; the
/// last units' values are consecutive and are the op's outputs, every other slot is internal.
/// Derivatives: ∂pre/∂x_i = w_i, ∂pre/∂w_i = x_i (w_i receives Σ_k δ_k·x_{i,k}), ∂pre/∂β = 1,
/// δ = ∂L/∂value ⊙ mish'(pre). When recorded for training, forward overwrites pre with mish'(pre)
/// (nothing else reads it) and backward leaves δ as the pre slot's gradient.
struct SparseDag {
  static constexpr OutputKind output = OutputKind::batches;

  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    namespace L = dag_layout;
    const L::View dag = L::view(c.operands.data() + r.a);
    Batch* values = c.batch_values.data();
    const T* scalars = c.scalar_values.data();
    for (std::uint32_t u = 0; u < dag.unit_count; ++u) {
      const Slot* unit = dag.units + u * L::unit_size;
      Batch pre;
      weighted_sum_of(unit[L::bias] == no_slot ? T(0) : scalars[unit[L::bias]], scalars + unit[L::first_weight],
                      values, dag.in_sources + unit[L::in_begin], unit[L::in_count], pre);
      if (unit[L::mish] == 0) {
        values[unit[L::value]] = pre;
      } else if (dag.training) {
        MishFn::value_and_slope(pre, values[unit[L::value]], values[unit[L::pre]]);
      } else {
        values[unit[L::value]] = MishFn::value(pre);
      }
    }
  }

  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    namespace L = dag_layout;
    const L::View dag = L::view(c.operands.data() + r.a);
    if (!dag.training) {
      throw std::logic_error("chaosnet::sparse_dag: recorded for inference; it has no backward");
    }
    const Batch* values = c.batch_values.data();
    Batch* grads = c.batch_grads.data();
    const T* weight = c.scalar_values.data();
    T* weight_grad = c.scalar_grads.data();
    const std::uint32_t first_output = dag.unit_count - dag.output_count;
    for (std::uint32_t u = dag.unit_count; u-- > 0;) {
      const Slot* unit = dag.units + u * L::unit_size;
      // Only outputs are read by other ops; inner values get their gradient from the DAG alone.
      Batch gx = u >= first_output ? grads[unit[L::value]] : Batch::Zero();
      pull_out_edges(values[unit[L::value]], dag.out_edges + 2 * unit[L::out_begin], unit[L::out_count],
                     weight, weight_grad, grads, gx, true);
      Batch& delta = grads[unit[L::pre]];
      delta = unit[L::mish] != 0 ? Batch(gx * values[unit[L::pre]]) : gx;  // pre slot holds mish'
      if (unit[L::bias] != no_slot) weight_grad[unit[L::bias]] += delta.sum();
    }
    for (std::uint32_t i = 0; i < dag.input_count; ++i) {
      const Slot* input = dag.inputs + i * L::input_size;
      const bool constant = input[L::input_constant] != 0;
      Batch gx = Batch::Zero();
      pull_out_edges(values[input[L::input_value]], dag.out_edges + 2 * input[L::input_out_begin],
                     input[L::input_out_count], weight, weight_grad, grads, gx, !constant);
      if (!constant) grads[input[L::input_value]] += gx;
    }
  }
};

}  // namespace chaosnet::detail
