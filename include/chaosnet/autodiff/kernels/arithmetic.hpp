#pragma once

// Forward and backward of the binary arithmetic ops (add, sub, mul in ops.hpp, which documents
// each derivative). Gradients are always accumulated (+=) so fan-out needs no special case.

#include <chaosnet/autodiff/op_record.hpp>

namespace chaosnet::detail {

/// add(x, y), both batches. Record: a = x, b = y.
struct AddBatchBatch {
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

/// add(x, s), s a scalar. Record: a = x (batch), b = s (scalar).
struct AddBatchScalar {
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

/// sub(x, y), both batches. Record: a = x, b = y.
struct SubBatchBatch {
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

/// sub(x, s), s a scalar. Record: a = x (batch), b = s (scalar).
struct SubBatchScalar {
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

/// mul(w, x), w a scalar. Record: a = w (scalar), b = x (batch).
struct MulScalarBatch {
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

/// mul(x, y), both batches; x·x gets 2x through accumulation. Record: a = x, b = y.
struct MulBatchBatch {
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
