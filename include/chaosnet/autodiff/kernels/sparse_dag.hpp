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

#include <chaosnet/autodiff/dag_noise.hpp>
#include <chaosnet/autodiff/dag_program.hpp>
#include <chaosnet/autodiff/kernels/activation.hpp>
#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <stdexcept>

namespace chaosnet::detail {

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

/// Over the outgoing edges of one value x: each edge's weight gradient Σ_k δ_{e,k}·x_k, and
/// gx += Σ_e w_e·δ_e when `need_gx`, with δ_e the gradient of the target's pre-activation (final
/// by now: targets come later in the order).
template <class Batch, class T>
void pull_out_edges(const Batch& x, const OutEdge* edges, std::uint32_t count, const T* weight,
                    T* weight_grad, const Batch* delta, Batch& gx, bool need_gx) {
  for (std::uint32_t e = 0; e < count; ++e) {
    const OutEdge& edge = edges[e];
    const Batch& d = delta[edge.target_pre];
    weight_grad[edge.weight] += (d * x).sum();
    if (need_gx) gx += weight[edge.weight] * d;
  }
}

/// sparse_dag() (autodiff/sparse_dag.hpp). Record: a = index of its DagProgram in the tape's
/// dag_programs; out = first of `count` output slots: every unit's pre and value slots, the
/// last units' values consecutive at the end (the op's outputs), every other slot internal.
/// When recorded for training, forward overwrites a mish unit's pre with mish'(pre) (nothing
/// else reads it) and backward leaves δ = ∂L/∂pre as the pre slot's gradient. Under failure
/// (dag_noise.hpp) the pre slot holds keep·mish'(pre) instead, so backward is unchanged.
struct SparseDag {
  static constexpr OutputKind output = OutputKind::batches;

  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    const DagProgram& dag = c.dag_programs[r.a];
    const Slot* in_sources = dag.in_sources.data();
    const bool training = dag.training;
    Batch* values = c.batch_values.data();
    const T* scalars = c.scalar_values.data();
    // Failure and noise touch inner mish units only; one test per unit keeps the clean path as
    // it was. A failed sample's slope is 0 too, so backward passes it no gradient.
    const std::size_t noisy_units = dag.noise.active() ? dag.units.size() - dag.outputs : 0;
    for (std::size_t u = 0; u < dag.units.size(); ++u) {
      const ProgramUnit& unit = dag.units[u];
      Batch pre;
      weighted_sum_of(unit.bias == no_slot ? T(0) : scalars[unit.bias], scalars + unit.first_weight,
                      values, in_sources + unit.in.begin, unit.in.count, pre);
      if (u < noisy_units && unit.mish) {
        noisy_mish_unit<MishFn>(dag.noise, dag.noise_ids[u], pre, values[unit.value],
                                training ? &values[unit.pre] : nullptr);
      } else if (!unit.mish) {
        values[unit.value] = pre;
      } else if (training) {
        MishFn::value_and_slope(pre, values[unit.value], values[unit.pre]);
      } else {
        values[unit.value] = MishFn::value(pre);
      }
    }
  }

  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    const DagProgram& dag = c.dag_programs[r.a];
    if (!dag.training) {
      throw std::logic_error("chaosnet::sparse_dag: recorded for inference; it has no backward");
    }
    const ProgramUnit* units = dag.units.data();
    const OutEdge* out_edges = dag.out_edges.data();
    const Batch* values = c.batch_values.data();
    Batch* grads = c.batch_grads.data();
    const T* weight = c.scalar_values.data();
    T* weight_grad = c.scalar_grads.data();
    const auto unit_count = static_cast<std::uint32_t>(dag.units.size());
    const std::uint32_t first_output = unit_count - dag.outputs;
    for (std::uint32_t u = unit_count; u-- > 0;) {
      const ProgramUnit& unit = units[u];
      // Only outputs are read by other ops; inner values get their gradient from the DAG alone.
      Batch gx = u >= first_output ? grads[unit.value] : Batch::Zero();
      pull_out_edges(values[unit.value], out_edges + unit.out.begin, unit.out.count, weight,
                     weight_grad, grads, gx, true);
      Batch& delta = grads[unit.pre];
      delta = unit.mish ? Batch(gx * values[unit.pre]) : gx;  // pre slot holds mish'
      if (unit.bias != no_slot) weight_grad[unit.bias] += delta.sum();
    }
    for (const ProgramInput& input : dag.inputs) {
      Batch gx = Batch::Zero();
      pull_out_edges(values[input.value], out_edges + input.out.begin, input.out.count, weight,
                     weight_grad, grads, gx, !input.constant);
      if (!input.constant) grads[input.value] += gx;
    }
  }
};

}  // namespace chaosnet::detail
