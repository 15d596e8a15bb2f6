#pragma once

// Classification losses over a set of class-logit batch vectors: one Tensor1D per class, element
// k of each belonging to sample k (the seed's layout).

#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace chaosnet::detail {

/// out_c = x_c − logsumexp_j(x_j), per sample, for K classes. Stable: the per-sample maximum is
/// subtracted before exponentiating, so logits of ±1e4 stay finite.
/// ∂/∂x_c: x_c receives g_c − softmax_c · Σ_j g_j, with softmax_c = exp(out_c).
/// Record: a = offset of the K input slots in operands; count = K; out = first of K outputs.
struct LogSoftmax {
  static constexpr OpCode code = OpCode::log_softmax;
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

/// Negative log-likelihood: loss_k = −lp_{t_k, k}, where lp_c are K log-probability batches and
/// t_k is sample k's class. ∂loss_k/∂lp_{c,k} = −1 if c = t_k, else 0.
/// Record: a = offset of the K log-probability slots in operands; count = K;
/// b = offset of the N targets in the targets column. Forward checks every target, so a bad
/// label is caught on replay too, not only when recording.
struct Nll {
  static constexpr OpCode code = OpCode::nll;
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
