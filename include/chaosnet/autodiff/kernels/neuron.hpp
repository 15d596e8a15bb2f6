#pragma once

// A whole network node in one record: z = β + Σ_i w_i·x_i, then optionally mish. This is the
// kernel training time is spent in, so the weights sit in consecutive scalar slots (no index
// per weight), sources are read through one index each, and the sources whose gradient nobody
// needs (network inputs, sorted first) are skipped in backward.

#include <chaosnet/autodiff/kernels/activation.hpp>
#include <chaosnet/autodiff/kernels/batch_dot.hpp>
#include <chaosnet/autodiff/op_record.hpp>

#include <cstdint>

namespace chaosnet::detail {

/// Record: a = offset of the `count` source batch slots in operands; d = slot of w_0, the
/// weights being d .. d + count − 1; b = bias scalar slot or no_slot; c = how many leading
/// sources are constants (no gradient). out = z; for the mish variant out + 1 = mish(z).
/// ∂z/∂x_i = w_i, ∂z/∂w_i = x_i (w_i receives Σ_k g_k·x_{i,k}), ∂z/∂β = 1 (β receives Σ_k g_k);
/// with mish, g = ∂L/∂a ⊙ mish'(z) is stored as z's gradient.
template <bool WithMish>
struct Neuron {
  static constexpr OpCode code = WithMish ? OpCode::neuron_mish : OpCode::neuron_linear;
  static constexpr OutputKind output = OutputKind::batches;
  static constexpr std::uint32_t outputs = WithMish ? 2 : 1;

  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    const Slot* source = c.operands.data() + r.a;
    const T* weight = c.scalar_values.data() + r.d;
    const Batch* x = c.batch_values.data();
    // Four independent accumulators: one would serialise every edge on the FMA latency.
    Batch acc0 = Batch::Constant(r.b == no_slot ? T(0) : c.scalar_values[r.b]);
    Batch acc1 = Batch::Zero(), acc2 = Batch::Zero(), acc3 = Batch::Zero();
    std::uint32_t i = 0;
    for (; i + 4 <= r.count; i += 4) {
      acc0 += weight[i] * x[source[i]];
      acc1 += weight[i + 1] * x[source[i + 1]];
      acc2 += weight[i + 2] * x[source[i + 2]];
      acc3 += weight[i + 3] * x[source[i + 3]];
    }
    for (; i < r.count; ++i) acc0 += weight[i] * x[source[i]];
    c.batch_values[r.out] = (acc0 + acc1) + (acc2 + acc3);
    if constexpr (WithMish) c.batch_values[r.out + 1] = MishFn::value(c.batch_values[r.out]);
  }

  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    Batch& g = c.batch_grads[r.out];
    if constexpr (WithMish) {
      const Batch& z = c.batch_values[r.out];
      g += c.batch_grads[r.out + 1] * MishFn::derivative(z, c.batch_values[r.out + 1]);
    }
    if (r.b != no_slot) c.scalar_grads[r.b] += g.sum();
    const Slot* source = c.operands.data() + r.a;
    const T* weight = c.scalar_values.data() + r.d;
    T* weight_grad = c.scalar_grads.data() + r.d;
    accumulate_dots(g, c.batch_values.data(), source, r.count, weight_grad);
    for (std::uint32_t i = r.c; i < r.count; ++i) c.batch_grads[source[i]] += weight[i] * g;
  }
};

using NeuronLinear = Neuron<false>;
using NeuronMish = Neuron<true>;

}  // namespace chaosnet::detail
