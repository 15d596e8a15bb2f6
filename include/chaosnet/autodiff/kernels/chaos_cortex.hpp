#pragma once

// A stack of ChaosNet spiking layers run for T ticks, in one record (seed 002): forward is the
// seed's tick, line by line; backward is the surrogate-gradient derivative PyTorch's autograd
// computes for the seed's code, including, in sequential mode, backpropagation through time
// along the membrane and the refractory state. Dense matrix products over the whole batch are
// where the time goes, so the layer is one coarse op on Eigen's GEMM instead of per-edge ops.

#include <chaosnet/autodiff/chaos_cortex_program.hpp>
#include <chaosnet/autodiff/op_record.hpp>
#include <chaosnet/util/counter_noise.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <type_traits>

namespace chaosnet::detail {

/// The seed's triangular surrogate of the Heaviside step's derivative, width 1:
/// max(0, 1 − |m − θ|).
template <class Derived>
auto spike_surrogate(const Eigen::ArrayBase<Derived>& m, double threshold) {
  using T = typename Derived::Scalar;
  return (T(1) - (m - static_cast<T>(threshold)).abs()).max(T(0));
}

/// chaos_cortex() (autodiff/chaos_cortex.hpp). Record: a = index of its program in the tape's
/// chaos_cortices; out = first of `count` output slots, the last layer's spikes averaged over
/// the ticks.
struct ChaosCortex {
  static constexpr OutputKind output = OutputKind::batches;

  template <class C>
  static void forward(C& c, const OpRecord& r) {
    using T = typename C::Batch::Scalar;
    auto& p = c.chaos_cortices[r.a];
    const ChaosNeuronParams& n = p.params;
    const bool sequential = p.mode == TickMode::sequential;
    const Eigen::Index batch = C::Batch::RowsAtCompileTime;
    const std::size_t layers = p.sizes.size() - 1;
    const auto data = columns_matrix(c.batch_values, p.input, p.sizes[0]);
    std::uint32_t unit_offset = 0;
    for (std::size_t l = 0; l < layers; ++l) {
      const Eigen::Index hidden = p.sizes[l + 1];
      const auto w_in = weights(c.scalar_values, p.w_in[l], hidden, p.sizes[l]);
      typename decltype(p.a)::value_type u, m = zeros<T>(batch, hidden), refractory = zeros<T>(batch, hidden);
      if (l == 0) u.noalias() = data * w_in.transpose();  // the same input on every tick
      for (std::uint32_t t = 0; t < p.ticks; ++t) {
        const std::size_t at = l * p.ticks + t;
        if (l > 0) u.noalias() = p.x[at] * w_in.transpose();
        const std::uint64_t draw = p.draw * p.ticks + t;
        // 1. m ← m + W_in·x + ε (independent ticks start from m = 0, r = 0).
        p.a[at] = sequential ? (m + u).eval() : u;
        if (n.noise_std > 0) {
          for (Eigen::Index j = 0; j < hidden; ++j) {
            auto column = p.a[at].col(j);
            util::add_gaussian_noise(column, n.noise_std, p.seed, draw, unit_offset + static_cast<std::uint64_t>(j));
          }
        }
        p.r_before[at] = sequential ? refractory : zeros<T>(batch, hidden);
        // 2. m ← m·(1 − r).
        const auto m1 = (p.a[at].array() * (T(1) - p.r_before[at].array())).eval();
        // 3.–4. s ← H(m − θ)·(1 − b), b ~ Bernoulli(p) per neuron, sample and tick.
        p.keep[at].setOnes(batch, hidden);
        if (n.fail_prob > 0) {
          for (Eigen::Index j = 0; j < hidden; ++j) {
            auto column = p.keep[at].col(j);
            util::fill_keep_mask(column, n.fail_prob, p.seed, draw, unit_offset + static_cast<std::uint64_t>(j));
          }
        }
        p.s[at] = ((m1 > static_cast<T>(n.threshold)).template cast<T>() * p.keep[at].array()).matrix();
        if (sequential) {
          // 5. r ← clip(r·ρ + s, 0, 1);  6. m ← m·(1 − λ).
          refractory = (refractory.array() * static_cast<T>(n.refractory_decay) + p.s[at].array())
                           .max(T(0)).min(T(1)).matrix();
          m = (m1 * (T(1) - static_cast<T>(n.decay))).matrix();
        }
        // 7. out ← W_rec·s, the next layer's input.
        if (l + 1 < layers) {
          const auto w_rec = weights(c.scalar_values, p.w_rec[l], hidden, hidden);
          p.x[at + p.ticks].noalias() = p.s[at] * w_rec.transpose();
        }
      }
      unit_offset += static_cast<std::uint32_t>(hidden);
    }
    auto mean_spikes = columns_matrix(c.batch_values, r.out, r.count);
    mean_spikes.setZero();
    for (std::uint32_t t = 0; t < p.ticks; ++t) mean_spikes += p.s[(layers - 1) * p.ticks + t];
    mean_spikes /= static_cast<T>(p.ticks);
    ++p.draw;
  }

  /// ∂L/∂s_t = ∂L/∂mean/T at the top. Per layer, ticks in reverse, with s = H(m₁ − θ)·k,
  /// m₁ = a·(1 − r), a = m + u + ε (m, r the state before the tick, k the keep mask):
  ///   ∂L/∂m₁ = ∂L/∂s·k·max(0, 1 − |m₁ − θ|) + ∂L/∂m_next·(1 − λ);
  ///   ∂L/∂a = ∂L/∂m₁·(1 − r) flows to u and to the previous tick's m;
  ///   ∂L/∂r = −∂L/∂m₁·a + ρ·∂L/∂r_pre, with ∂L/∂r_pre = ∂L/∂r_next·[0 ≤ r·ρ + s ≤ 1], which
  ///   also adds to ∂L/∂s (the clamp passes its gradient on the closed interval, as PyTorch's).
  /// Then W_in gets Σ_t ∂L/∂uᵀ·x, the layer below's W_rec and spikes get theirs through x = s·W_recᵀ.
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    using T = typename C::Batch::Scalar;
    using Matrix = typename decltype(c.chaos_cortices[r.a].a)::value_type;
    auto& p = c.chaos_cortices[r.a];
    const ChaosNeuronParams& n = p.params;
    const bool sequential = p.mode == TickMode::sequential;
    const Eigen::Index batch = C::Batch::RowsAtCompileTime;
    const std::size_t layers = p.sizes.size() - 1;
    const auto grad_mean = columns_matrix(c.batch_grads, r.out, r.count);
    for (std::size_t at = 0; at < layers * p.ticks; ++at) {
      if (at >= (layers - 1) * p.ticks) {
        p.grad_s[at] = grad_mean / static_cast<T>(p.ticks);
      } else {
        p.grad_s[at].setZero(batch, p.sizes[at / p.ticks + 1]);
      }
    }
    for (std::size_t l = layers; l-- > 0;) {
      const Eigen::Index hidden = p.sizes[l + 1];
      const auto w_in = weights(c.scalar_values, p.w_in[l], hidden, p.sizes[l]);
      auto grad_w_in = weights(c.scalar_grads, p.w_in[l], hidden, p.sizes[l]);
      Matrix grad_m = zeros<T>(batch, hidden), grad_r = zeros<T>(batch, hidden), grad_u_sum = zeros<T>(batch, hidden);
      for (std::uint32_t t = p.ticks; t-- > 0;) {
        const std::size_t at = l * p.ticks + t;
        auto grad_s = p.grad_s[at].array();
        const auto a = p.a[at].array();
        const auto r_before = p.r_before[at].array();
        Matrix grad_r_before = zeros<T>(batch, hidden);
        if (sequential) {
          const auto r_pre = r_before * static_cast<T>(n.refractory_decay) + p.s[at].array();
          const auto grad_r_pre = (grad_r.array() * (r_pre >= T(0) && r_pre <= T(1)).template cast<T>()).eval();
          grad_s += grad_r_pre;
          grad_r_before.array() = static_cast<T>(n.refractory_decay) * grad_r_pre;
        }
        const auto m1 = (a * (T(1) - r_before)).eval();
        auto grad_m1 = (grad_s * p.keep[at].array() * spike_surrogate(m1, n.threshold)).eval();
        if (sequential) grad_m1 += grad_m.array() * (T(1) - static_cast<T>(n.decay));
        const Matrix grad_a = (grad_m1 * (T(1) - r_before)).matrix();
        if (sequential) {
          grad_r_before.array() -= grad_m1 * a;
          grad_m = grad_a;
          grad_r = grad_r_before;
        }
        if (l == 0) {
          grad_u_sum += grad_a;
          continue;
        }
        grad_w_in.noalias() += grad_a.transpose() * p.x[at];
        const Matrix grad_x = grad_a * w_in;
        const auto w_rec = weights(c.scalar_values, p.w_rec[l - 1], p.sizes[l], p.sizes[l]);
        auto grad_w_rec = weights(c.scalar_grads, p.w_rec[l - 1], p.sizes[l], p.sizes[l]);
        grad_w_rec.noalias() += grad_x.transpose() * p.s[at - p.ticks];
        p.grad_s[at - p.ticks].noalias() += grad_x * w_rec;
      }
      if (l == 0) {
        const auto data = columns_matrix(c.batch_values, p.input, p.sizes[0]);
        grad_w_in.noalias() += grad_u_sum.transpose() * data;
        if (!p.input_constant) {
          auto grad_data = columns_matrix(c.batch_grads, p.input, p.sizes[0]);
          grad_data.noalias() += grad_u_sum * w_in;
        }
      }
    }
  }

 private:
  template <class T>
  static Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> zeros(Eigen::Index rows, Eigen::Index cols) {
    return Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>::Zero(rows, cols);
  }
  /// `count` consecutive batch slots from `first` as an N × count matrix (each slot is a column).
  template <class Column>
  static auto columns_matrix(Column& column, Slot first, Eigen::Index count) {
    using Batch = typename Column::value_type;
    using T = typename Batch::Scalar;
    using Matrix = Eigen::Matrix<T, Batch::RowsAtCompileTime, Eigen::Dynamic>;
    return Eigen::Map<std::conditional_t<std::is_const_v<Column>, const Matrix, Matrix>>(
        column[first].data(), Batch::RowsAtCompileTime, count);
  }
  /// A rows × cols row-major weight matrix (PyTorch's Linear layout) in a scalar column.
  template <class Column>
  static auto weights(Column& column, Slot first, Eigen::Index rows, Eigen::Index cols) {
    using T = typename Column::value_type;
    using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    return Eigen::Map<std::conditional_t<std::is_const_v<Column>, const Matrix, Matrix>>(
        column.data() + first, rows, cols);
  }
};

}  // namespace chaosnet::detail
