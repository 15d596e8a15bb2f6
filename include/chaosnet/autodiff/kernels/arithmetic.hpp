#pragma once

// Forward and backward of the binary arithmetic ops. Each kernel keeps its value and its local
// derivatives side by side; gradients are always accumulated (+=) so fan-out needs no special case.

#include <chaosnet/autodiff/op_record.hpp>

namespace chaosnet::detail {

/// out = x + y, both batches. ∂out/∂x = ∂out/∂y = 1. Record: a = x, b = y.
struct AddBatchBatch {
  static constexpr OpCode code = OpCode::add_batch_batch;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = c.batch_values[r.a] + c.batch_values[r.b];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] += c.batch_grads[r.out];
    c.batch_grads[r.b] += c.batch_grads[r.out];
  }
};

/// out_k = x_k + s, s a scalar. ∂out_k/∂x_k = 1, ∂out_k/∂s = 1, so s receives the batch sum of
/// the incoming gradient. Record: a = x (batch), b = s (scalar).
struct AddBatchScalar {
  static constexpr OpCode code = OpCode::add_batch_scalar;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = c.batch_values[r.a] + c.scalar_values[r.b];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] += c.batch_grads[r.out];
    c.scalar_grads[r.b] += c.batch_grads[r.out].sum();
  }
};

/// out = x − y, both batches. ∂out/∂x = 1, ∂out/∂y = −1. Record: a = x, b = y.
struct SubBatchBatch {
  static constexpr OpCode code = OpCode::sub_batch_batch;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = c.batch_values[r.a] - c.batch_values[r.b];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] += c.batch_grads[r.out];
    c.batch_grads[r.b] -= c.batch_grads[r.out];
  }
};

/// out_k = x_k − s, s a scalar. ∂out_k/∂x_k = 1, ∂out_k/∂s = −1. Record: a = x, b = s.
struct SubBatchScalar {
  static constexpr OpCode code = OpCode::sub_batch_scalar;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = c.batch_values[r.a] - c.scalar_values[r.b];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] += c.batch_grads[r.out];
    c.scalar_grads[r.b] -= c.batch_grads[r.out].sum();
  }
};

/// out_k = w · x_k, w a scalar. ∂out_k/∂x_k = w, ∂out_k/∂w = x_k, so w receives Σ_k g_k·x_k.
/// Record: a = w (scalar), b = x (batch).
struct MulScalarBatch {
  static constexpr OpCode code = OpCode::mul_scalar_batch;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = c.scalar_values[r.a] * c.batch_values[r.b];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    const auto& g = c.batch_grads[r.out];
    c.scalar_grads[r.a] += (g * c.batch_values[r.b]).sum();
    c.batch_grads[r.b] += c.scalar_values[r.a] * g;
  }
};

/// out_k = x_k · y_k. ∂out/∂x = y, ∂out/∂y = x (x·x gets 2x through accumulation).
/// Record: a = x, b = y.
struct MulBatchBatch {
  static constexpr OpCode code = OpCode::mul_batch_batch;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = c.batch_values[r.a] * c.batch_values[r.b];
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    const auto& g = c.batch_grads[r.out];
    c.batch_grads[r.a] += g * c.batch_values[r.b];
    c.batch_grads[r.b] += g * c.batch_values[r.a];
  }
};

}  // namespace chaosnet::detail
