#pragma once

// Ops that combine many values: batch reductions to a scalar, the fused weighted sum that a
// network node is made of, and split (explicit fan-out). Their public ops (sum, mean, mse,
// weighted_sum, split_on_add in ops.hpp) document the derivatives.

#include <chaosnet/autodiff/op_record.hpp>

#include <cstddef>

namespace chaosnet::detail {

/// sum(x). Record: a = x; out is a scalar slot.
struct Sum {
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

/// mean(x). Record: a = x; out is a scalar slot.
struct Mean {
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

/// mse(p, t). Record: a = p, b = t; out is a scalar slot.
struct Mse {
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

/// weighted_sum: one network node's pre-activation in one record instead of a mul and an add per
/// edge. Record: a = offset of `count` (source batch slot, weight scalar slot) pairs in operands;
/// b = bias scalar slot or no_slot; c = how many leading sources are constants, whose
/// gradients are skipped (inputs come first in a network, so this saves their backward work).
struct WeightedSum {
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

/// split_on_add(x, count). Record: a = x; out = first of `count` consecutive output slots.
struct Split {
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
