#pragma once

// Ops that combine many values: batch reductions to a scalar, the fused weighted sum that a
// network node is made of, and split (explicit fan-out).

#include <chaosnet/autodiff/op_record.hpp>

#include <cstddef>

namespace chaosnet::detail {

/// s = Σ_k x_k over the batch. ∂s/∂x_k = 1. Record: a = x; out is a scalar slot.
struct Sum {
  static constexpr OpCode code = OpCode::sum;
  static constexpr OutputKind output = OutputKind::scalar;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.scalar_values[r.out] = c.batch_values[r.a].sum();
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] += c.scalar_grads[r.out];
  }
};

/// m = (1/N) Σ_k x_k. ∂m/∂x_k = 1/N. Record: a = x; out is a scalar slot.
struct Mean {
  static constexpr OpCode code = OpCode::mean;
  static constexpr OutputKind output = OutputKind::scalar;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.scalar_values[r.out] = c.batch_values[r.a].mean();
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    const auto n = static_cast<typename C::Batch::Scalar>(C::Batch::RowsAtCompileTime);
    c.batch_grads[r.a] += c.scalar_grads[r.out] / n;
  }
};

/// L = (1/N) Σ_k (p_k − t_k)². ∂L/∂p_k = 2(p_k − t_k)/N = −∂L/∂t_k.
/// Record: a = p, b = t; out is a scalar slot.
struct Mse {
  static constexpr OpCode code = OpCode::mse;
  static constexpr OutputKind output = OutputKind::scalar;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.scalar_values[r.out] = (c.batch_values[r.a] - c.batch_values[r.b]).square().mean();
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using T = typename C::Batch::Scalar;
    const T scale = T(2) * c.scalar_grads[r.out] / T(C::Batch::RowsAtCompileTime);
    const typename C::Batch d = scale * (c.batch_values[r.a] - c.batch_values[r.b]);
    c.batch_grads[r.a] += d;
    c.batch_grads[r.b] -= d;
  }
};

/// y_k = β + Σ_i w_i·x_{i,k}: one network node's pre-activation in one record instead of a mul
/// and an add per edge. ∂y/∂x_i = w_i, ∂y/∂w_i = x_i (so w_i receives Σ_k g_k·x_{i,k}),
/// ∂y/∂β = 1 (β receives Σ_k g_k).
/// Record: a = offset of `count` (source batch slot, weight scalar slot) pairs in operands;
/// b = bias scalar slot or no_slot; c = how many leading sources are constants, whose
/// gradients are skipped (inputs come first in a network, so this saves their backward work).
struct WeightedSum {
  static constexpr OpCode code = OpCode::weighted_sum;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    Batch acc = Batch::Constant(r.b == no_slot ? typename Batch::Scalar(0) : c.scalar_values[r.b]);
    const Slot* pair = c.operands.data() + r.a;
    for (std::uint32_t i = 0; i < r.count; ++i, pair += 2) {
      acc += c.scalar_values[pair[1]] * c.batch_values[pair[0]];
    }
    c.batch_values[r.out] = acc;
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    const auto& g = c.batch_grads[r.out];
    if (r.b != no_slot) c.scalar_grads[r.b] += g.sum();
    const Slot* pair = c.operands.data() + r.a;
    for (std::uint32_t i = 0; i < r.count; ++i, pair += 2) {
      c.scalar_grads[pair[1]] += (g * c.batch_values[pair[0]]).sum();
      if (i >= r.c) c.batch_grads[pair[0]] += c.scalar_values[pair[1]] * g;
    }
  }
};

/// k copies of x (the seed's split_on_add): out_j = x. ∂out_j/∂x = 1, so x receives Σ_j g_j.
/// Record: a = x; out = first of `count` consecutive output slots.
struct Split {
  static constexpr OpCode code = OpCode::split;
  static constexpr OutputKind output = OutputKind::batches;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    for (std::uint32_t j = 0; j < r.count; ++j) c.batch_values[r.out + j] = c.batch_values[r.a];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    for (std::uint32_t j = 0; j < r.count; ++j) c.batch_grads[r.a] += c.batch_grads[r.out + j];
  }
};

}  // namespace chaosnet::detail
