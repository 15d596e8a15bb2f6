#pragma once

// The knowledge-distillation loss (Hinton et al. 2015) in one record, over K class-logit batch
// vectors (the layout of loss.hpp): a temperature-softened KL term towards a teacher's
// probabilities plus the NLL of the labels. distillation_loss() in autodiff/distillation.hpp
// documents the derivative. One record replaces two log-softmaxes, a division by T, the KL
// products and an nll, and needs no scratch batches.

#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace chaosnet::detail {

/// distillation_loss(). Record: a = offset in operands of 2K + 2 batch slots: the K logits, the
/// K teacher probabilities, then two constant slots holding α and T in every sample (a record
/// has no room for two reals of the tape's precision, and operands hold only slots); count = K;
/// b = offset of the N targets in the targets column; out is a batch slot, the per-sample loss.
/// Forward checks every target, as Nll does, so a bad label is caught on replay too. Backward
/// recomputes both softmaxes from the logits rather than keeping 2K batches of them.
struct Distillation {
  static constexpr OutputKind output = OutputKind::batch;

  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    using T = typename Batch::Scalar;
    const Slot* in = c.operands.data() + r.a;
    const Softmaxes<Batch> s = softmaxes(c, r);
    Batch kl = Batch::Zero();
    for (std::uint32_t j = 0; j < r.count; ++j) {
      const Batch& p = c.batch_values[in[r.count + j]];
      const Batch log_q = (c.batch_values[in[j]] - s.max) / s.temperature - s.soft;
      kl += (p > T(0)).select(p * (p.log() - log_q), Batch::Zero());  // 0·log 0 = 0
    }
    const int* target = c.targets.data() + r.b;
    const T soft_weight = s.alpha * s.temperature * s.temperature;
    auto& out = c.batch_values[r.out];
    for (Eigen::Index k = 0; k < out.size(); ++k) {
      const int t = target[k];
      if (t < 0 || static_cast<std::uint32_t>(t) >= r.count) {
        throw std::out_of_range("chaosnet::distillation_loss: target class " + std::to_string(t) +
                                " of sample " + std::to_string(k) + " is outside [0, " +
                                std::to_string(r.count) + ")");
      }
      const T nll = s.hard[k] - c.batch_values[in[t]][k];
      out[k] = soft_weight * kl[k] + (T(1) - s.alpha) * nll;
    }
  }

  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    const Slot* in = c.operands.data() + r.a;
    const Softmaxes<Batch> s = softmaxes(c, r);
    const Batch& g = c.batch_grads[r.out];
    const Batch soft_scale = g * (s.alpha * s.temperature);
    const Batch hard_scale = g * (1 - s.alpha);
    for (std::uint32_t j = 0; j < r.count; ++j) {
      const Batch& z = c.batch_values[in[j]];
      const Batch& p = c.batch_values[in[r.count + j]];
      const Batch q = ((z - s.max) / s.temperature - s.soft).exp();
      const Batch softmax = (z - s.hard).exp();
      c.batch_grads[in[j]] += soft_scale * (q - p) + hard_scale * softmax;
    }
    const int* target = c.targets.data() + r.b;
    for (Eigen::Index k = 0; k < g.size(); ++k) c.batch_grads[in[target[k]]][k] -= hard_scale[k];
  }

 private:
  /// α and T, and per sample: the largest logit; hard = log Σ_c exp(z_c), as LogSoftmax
  /// computes it (so that α = 0 gives nll(log_softmax(z)) exactly); soft = log Σ_c
  /// exp((z_c − max)/T). Then log softmax(z)_c = z_c − hard and log q_c = (z_c − max)/T − soft,
  /// both finite for finite logits.
  template <class Batch>
  struct Softmaxes {
    typename Batch::Scalar alpha;
    typename Batch::Scalar temperature;
    Batch max;
    Batch hard;
    Batch soft;
  };
  template <class C>
  static auto softmaxes(const C& c, const OpRecord& r) {
    using Batch = typename C::Batch;
    const Slot* in = c.operands.data() + r.a;
    const auto temperature = c.batch_values[in[2 * r.count + 1]][0];
    Batch max = c.batch_values[in[0]];
    for (std::uint32_t j = 1; j < r.count; ++j) max = max.max(c.batch_values[in[j]]);
    Batch hard = Batch::Zero();
    Batch soft = Batch::Zero();
    for (std::uint32_t j = 0; j < r.count; ++j) {
      const Batch shifted = c.batch_values[in[j]] - max;
      hard += shifted.exp();
      soft += (shifted / temperature).exp();
    }
    return Softmaxes<Batch>{c.batch_values[in[2 * r.count]][0], temperature, max, max + hard.log(),
                            soft.log()};
  }
};

}  // namespace chaosnet::detail
