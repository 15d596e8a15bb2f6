#pragma once

// Classification losses over a set of class-logit batch vectors: one Tensor1D per class, element
// k of each belonging to sample k (the seed's layout). log_softmax and nll in ops.hpp document
// the derivatives.

#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace chaosnet::detail {

/// log_softmax over K classes. The per-sample maximum is subtracted before exponentiating, so
/// logits of ±1e4 stay finite; backward takes softmax_c = exp(out_c) from the output.
/// Record: a = offset of the K input slots in operands; count = K; out = first of K outputs.
struct LogSoftmax {
  static constexpr OutputKind output = OutputKind::batches;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    const Slot* in = c.operands.data() + r.a;
    Batch max = c.batch_values[in[0]];
    for (std::uint32_t j = 1; j < r.count; ++j) max = max.max(c.batch_values[in[j]]);
    Batch sum = Batch::Zero();
    for (std::uint32_t j = 0; j < r.count; ++j) sum += (c.batch_values[in[j]] - max).exp();
    const Batch log_norm = max + sum.log();
    for (std::uint32_t j = 0; j < r.count; ++j) {
      c.batch_values[r.out + j] = c.batch_values[in[j]] - log_norm;
    }
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    const Slot* in = c.operands.data() + r.a;
    Batch total = Batch::Zero();
    for (std::uint32_t j = 0; j < r.count; ++j) total += c.batch_grads[r.out + j];
    for (std::uint32_t j = 0; j < r.count; ++j) {
      c.batch_grads[in[j]] += c.batch_grads[r.out + j] - c.batch_values[r.out + j].exp() * total;
    }
  }
};

/// nll over K log-probability batches and the N class labels of the batch.
/// Record: a = offset of the K log-probability slots in operands; count = K;
/// b = offset of the N targets in the targets column. Forward checks every target, so a bad
/// label is caught on replay too, not only when recording.
struct Nll {
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    const Slot* in = c.operands.data() + r.a;
    const int* target = c.targets.data() + r.b;
    auto& out = c.batch_values[r.out];
    for (Eigen::Index k = 0; k < out.size(); ++k) {
      const int t = target[k];
      if (t < 0 || static_cast<std::uint32_t>(t) >= r.count) {
        throw std::out_of_range("chaosnet::nll: target class " + std::to_string(t) +
                                " of sample " + std::to_string(k) + " is outside [0, " +
                                std::to_string(r.count) + ")");
      }
      out[k] = -c.batch_values[in[t]][k];
    }
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    const Slot* in = c.operands.data() + r.a;
    const int* target = c.targets.data() + r.b;
    const auto& g = c.batch_grads[r.out];
    for (Eigen::Index k = 0; k < g.size(); ++k) c.batch_grads[in[target[k]]][k] -= g[k];
  }
};

}  // namespace chaosnet::detail
