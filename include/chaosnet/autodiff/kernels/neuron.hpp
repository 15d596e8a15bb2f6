#pragma once

// A whole network node in one record: z = β + Σ_i w_i·x_i, then optionally mish. This is the
// kernel training time is spent in, so the weights sit in consecutive scalar slots (no index
// per weight), sources are read through one index each, and the sources whose gradient nobody
// needs (network inputs, sorted first) are skipped in backward.

#include <chaosnet/autodiff/kernels/activation.hpp>
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
    Batch acc = Batch::Constant(r.b == no_slot ? T(0) : c.scalar_values[r.b]);
    const Slot* source = c.operands.data() + r.a;
    const T* weight = c.scalar_values.data() + r.d;
    for (std::uint32_t i = 0; i < r.count; ++i) acc += weight[i] * c.batch_values[source[i]];
    c.batch_values[r.out] = acc;
    if constexpr (WithMish) c.batch_values[r.out + 1] = MishFn::value(acc);
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
    for (std::uint32_t i = 0; i < r.c; ++i) {
      weight_grad[i] += (g * c.batch_values[source[i]]).sum();
    }
    for (std::uint32_t i = r.c; i < r.count; ++i) {
      weight_grad[i] += (g * c.batch_values[source[i]]).sum();
      c.batch_grads[source[i]] += weight[i] * g;
    }
  }
};

using NeuronLinear = Neuron<false>;
using NeuronMish = Neuron<true>;

}  // namespace chaosnet::detail
