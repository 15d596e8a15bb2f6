#pragma once

// A whole DAG of weighted-sum units in one record: what a chaos network is, and where training
// time goes. Forward pulls each unit's inputs over its incoming edges (weights contiguous, four
// accumulators). Backward runs the units in reverse and also *pulls*: a unit gathers the
// gradients of the units it feeds (their δ, already final) over its outgoing edges, so every
// edge costs one read of a batch vector instead of a read-modify-write of the source's gradient,
// and the weight gradient of each outgoing edge is a dot product with the unit's own value,
// reduced for a block of edges at once (transposed packets). A test checks that the result
// equals the op-by-op graph of mul, add and mish.

#include <chaosnet/autodiff/kernels/activation.hpp>
#include <chaosnet/autodiff/kernels/batch_dot.hpp>
#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <array>
#include <cstddef>
#include <cstdint>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // see batch_dot.hpp
#endif

namespace chaosnet::detail {

/// Layout of a sparse-DAG record's description in the operand column, starting at OpRecord::a.
/// All entries are u32; slots are absolute tape slots.
namespace dag_layout {
inline constexpr std::uint32_t header_size = 4;  // units, inputs, in-source count, out-edge count
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
  std::uint32_t unit_count, input_count;
};
inline View view(const Slot* blob) {
  View v{};
  v.unit_count = blob[0];
  v.input_count = blob[1];
  v.units = blob + header_size;
  v.inputs = v.units + v.unit_count * unit_size;
  v.in_sources = v.inputs + v.input_count * input_size;
  v.out_edges = v.in_sources + blob[2];
  return v;
}
}  // namespace dag_layout

/// acc + Σ_i weight[i]·x[source[i]] over `count` edges, with four independent accumulators (one
/// would serialise every edge on the FMA latency).
template <class Batch, class T>
Batch weighted_sum_of(Batch acc0, const T* weight, const Batch* x, const Slot* source, std::uint32_t count) {
  Batch acc1 = Batch::Zero(), acc2 = Batch::Zero(), acc3 = Batch::Zero();
  std::uint32_t i = 0;
  for (; i + 4 <= count; i += 4) {
    acc0 += weight[i] * x[source[i]];
    acc1 += weight[i + 1] * x[source[i + 1]];
    acc2 += weight[i + 2] * x[source[i + 2]];
    acc3 += weight[i + 3] * x[source[i + 3]];
  }
  for (; i < count; ++i) acc0 += weight[i] * x[source[i]];
  return (acc0 + acc1) + (acc2 + acc3);
}

/// Over the outgoing edges (target pre slot, weight slot) of one value x:
///   gx += Σ_e w_e·δ_e   and   weight_grad[w_e] += Σ_k δ_{e,k}·x_k,
/// with δ_e the gradient of the target's pre-activation. Returns nothing; gx is updated.
template <class T, int N>
void pull_out_edges(const Eigen::Array<T, N, 1>& x, const Slot* edges, std::uint32_t count,
                    const T* weight, T* weight_grad, const Eigen::Array<T, N, 1>* delta,
                    Eigen::Array<T, N, 1>& gx, bool need_gx) {
  using Batch = Eigen::Array<T, N, 1>;
  std::uint32_t e = 0;
  if constexpr (TransposablePackets<T> && N % packet_width<T> == 0) {
    namespace ei = Eigen::internal;
    using Packet = PacketOf<T>;
    constexpr int width = packet_width<T>;
    constexpr std::size_t packets = static_cast<std::size_t>(N / width);
    std::array<Packet, packets> xp, gx0, gx1;
    for (std::size_t p = 0; p < packets; ++p) {
      xp[p] = ei::ploadu<Packet>(x.data() + p * width);
      gx0[p] = ei::pset1<Packet>(T(0));
      gx1[p] = gx0[p];
    }
    for (; e + width <= count; e += width) {
      ei::PacketBlock<Packet, width> block;
      for (int j = 0; j < width; ++j) {
        const Slot* edge = edges + 2 * (e + static_cast<std::uint32_t>(j));
        const T* d = delta[edge[0]].data();
        const Packet w = ei::pset1<Packet>(weight[edge[1]]);
        auto& acc = (j & 1) != 0 ? gx1 : gx0;  // two chains halve the FMA latency per edge
        Packet partial = ei::pset1<Packet>(T(0));
        for (std::size_t p = 0; p < packets; ++p) {
          const Packet dp = ei::ploadu<Packet>(d + p * width);
          acc[p] = ei::pmadd(w, dp, acc[p]);
          partial = ei::pmadd(dp, xp[p], partial);
        }
        block.packet[j] = partial;
      }
      ei::ptranspose(block);
      Packet sums = block.packet[0];
      for (int j = 1; j < width; ++j) sums = ei::padd(sums, block.packet[j]);
      alignas(64) std::array<T, static_cast<std::size_t>(width)> dots;
      ei::pstoreu(dots.data(), sums);
      for (int j = 0; j < width; ++j) weight_grad[edges[2 * (e + static_cast<std::uint32_t>(j)) + 1]] += dots[static_cast<std::size_t>(j)];
    }
    if (need_gx) {
      for (std::size_t p = 0; p < packets; ++p) {
        ei::pstoreu(gx.data() + p * width, ei::padd(ei::ploadu<Packet>(gx.data() + p * width), ei::padd(gx0[p], gx1[p])));
      }
    }
  }
  for (; e < count; ++e) {
    const Slot* edge = edges + 2 * e;
    const Batch& d = delta[edge[0]];
    weight_grad[edge[1]] += (d * x).sum();
    if (need_gx) gx += weight[edge[1]] * d;
  }
}

/// Record: a = offset of the description (dag_layout) in operands; out = first of `count` output
/// slots (pre-activations and values of all units; the last units' values are consecutive and
/// are the op's outputs). Every unit computes pre = β + Σ_i w_i·x_i and value = mish(pre) or
/// value = pre. Derivatives: ∂pre/∂x_i = w_i, ∂pre/∂w_i = x_i (w_i receives Σ_k δ_k·x_{i,k}),
/// ∂pre/∂β = 1, δ = ∂L/∂value ⊙ mish'(pre); δ is left in the pre slot's gradient.
struct SparseDag {
  static constexpr OpCode code = OpCode::sparse_dag;
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
      const Batch bias = Batch::Constant(unit[L::bias] == no_slot ? T(0) : scalars[unit[L::bias]]);
      values[unit[L::pre]] = weighted_sum_of(bias, scalars + unit[L::first_weight], values,
                                             dag.in_sources + unit[L::in_begin], unit[L::in_count]);
      if (unit[L::mish] != 0) values[unit[L::value]] = MishFn::value(values[unit[L::pre]]);
    }
  }

  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    namespace L = dag_layout;
    const L::View dag = L::view(c.operands.data() + r.a);
    const Batch* values = c.batch_values.data();
    Batch* grads = c.batch_grads.data();
    const T* weight = c.scalar_values.data();
    T* weight_grad = c.scalar_grads.data();
    for (std::uint32_t u = dag.unit_count; u-- > 0;) {
      const Slot* unit = dag.units + u * L::unit_size;
      Batch gx = grads[unit[L::value]];  // from ops outside the DAG (for outputs: the loss)
      pull_out_edges(values[unit[L::value]], dag.out_edges + 2 * unit[L::out_begin], unit[L::out_count],
                     weight, weight_grad, grads, gx, true);
      if (unit[L::mish] != 0) {
        grads[unit[L::pre]] = gx * MishFn::derivative(values[unit[L::pre]], values[unit[L::value]]);
      } else {
        grads[unit[L::pre]] = gx;
      }
      if (unit[L::bias] != no_slot) weight_grad[unit[L::bias]] += grads[unit[L::pre]].sum();
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

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
