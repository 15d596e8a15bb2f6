#pragma once

// The public ops. Each records one op on the tape of its operands and returns a handle to the
// result, whose value is already computed. Each documents its derivative here, once; its kernel
// in autodiff/kernels/ implements value and derivative side by side.

#include <chaosnet/autodiff/tape.hpp>

#include <cstddef>
#include <iterator>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>

namespace chaosnet {

namespace detail {
/// Builds op records from handles: validates the operands, appends operand lists, and returns
/// handles to the outputs. The one place that knows both the handle and the record layout.
struct Recorder {
  template <class Kernel, class T, int N>
  static Tensor1D<T, N> batch(Tape<T, N>& tape, OpRecord r) {
    const Slot out = tape.template record<Kernel>(r);
    return {&tape, out, tape.generation_};
  }
  template <class Kernel, class T, int N>
  static Tensor0D<T, N> scalar(Tape<T, N>& tape, OpRecord r) {
    const Slot out = tape.template record<Kernel>(r);
    return {&tape, out, tape.generation_};
  }
  template <class Kernel, class T, int N>
  static Tensor1DRange<T, N> batches(Tape<T, N>& tape, OpRecord r) {
    const Slot out = tape.template record<Kernel>(r);
    std::uint32_t outputs = r.count;
    if constexpr (requires { Kernel::outputs; }) outputs = Kernel::outputs;
    return {Tensor1D<T, N>{&tape, out, tape.generation_}, outputs};
  }

  /// Appends the slots of a range of batch handles to the operand list; returns its offset.
  template <class T, int N, class Range>
  static Slot append_batches(Tape<T, N>& tape, const Range& tensors, const char* op) {
    const auto offset = static_cast<Slot>(tape.c_.operands.size());
    for (const Tensor1D<T, N>& x : tensors) tape.c_.operands.push_back(tape.slot_of(x, op));
    return offset;
  }

  template <class T, int N>
  static bool is_constant(const Tape<T, N>& tape, Slot batch_slot) {
    return tape.c_.batch_kinds[batch_slot] == SlotKind::constant;
  }
  /// Mark an op's output slot as its private scratch (see SlotKind::internal).
  template <class T, int N>
  static void mark_internal(Tape<T, N>& tape, Slot batch_slot) {
    tape.c_.batch_kinds[batch_slot] = SlotKind::internal;
  }
  template <class T, int N>
  static Slot next_batch_slot(const Tape<T, N>& tape) {
    return static_cast<Slot>(tape.c_.batch_values.size());
  }
  /// The tape's columns, for ops whose record keeps a program beside them (chaos_cortex).
  template <class T, int N>
  static TapeColumns<T, N>& columns(Tape<T, N>& tape) {
    return tape.c_;
  }
  /// An empty program for a sparse_dag record; its index, for OpRecord::a, goes to `index`.
  template <class T, int N>
  static DagProgram& new_dag_program(Tape<T, N>& tape, Slot& index) {
    DagProgram& program = tape.c_.new_dag_program();
    index = tape.c_.dag_program_count - 1;
    return program;
  }

  template <class T, int N>
  static Slot append_weighted_pairs(Tape<T, N>& tape, std::span<const Tensor0D<T, N>> weights,
                                    std::span<const Tensor1D<T, N>> sources,
                                    std::uint32_t& constant_prefix) {
    const auto offset = static_cast<Slot>(tape.c_.operands.size());
    constant_prefix = 0;
    bool in_prefix = true;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const Slot source = tape.slot_of(sources[i], "weighted_sum");
      in_prefix = in_prefix && tape.c_.batch_kinds[source] == SlotKind::constant;
      if (in_prefix) ++constant_prefix;
      tape.c_.operands.push_back(source);
      tape.c_.operands.push_back(tape.slot_of(weights[i], "weighted_sum"));
    }
    return offset;
  }
};

template <class Handle>
auto& tape_of(const Handle& h, const char* op) {
  return h.checked_tape(op);
}

template <class V>
struct BatchTensorTraits {};
template <class T, int N>
struct BatchTensorTraits<Tensor1D<T, N>> {
  using Scalar = T;
  static constexpr int batch_size = N;
};
/// Any range of Tensor1D: a std::vector, a std::array, a span, a Tensor1DRange.
template <class R>
concept BatchTensorRange = std::ranges::input_range<R> &&
    requires { BatchTensorTraits<std::ranges::range_value_t<R>>::batch_size; };
template <class R>
using RangeTraits = BatchTensorTraits<std::ranges::range_value_t<R>>;
}  // namespace detail

// --- arithmetic ------------------------------------------------------------------------------

/// x + y element-wise. Both operands receive the incoming gradient unchanged.
template <class T, int N>
Tensor1D<T, N> add(const Tensor1D<T, N>& x, const Tensor1D<T, N>& y) {
  auto& tape = detail::tape_of(x, "add");
  return detail::Recorder::batch<detail::AddBatchBatch>(
      tape, {.a = tape.slot_of(x, "add"), .b = tape.slot_of(y, "add")});
}
/// x_k + s for every sample k. x receives g; s receives Σ_k g_k.
template <class T, int N>
Tensor1D<T, N> add(const Tensor1D<T, N>& x, const Tensor0D<T, N>& s) {
  auto& tape = detail::tape_of(x, "add");
  return detail::Recorder::batch<detail::AddBatchScalar>(
      tape, {.a = tape.slot_of(x, "add"), .b = tape.slot_of(s, "add")});
}
/// s + x_k for every sample k (same as add(x, s)).
template <class T, int N>
Tensor1D<T, N> add(const Tensor0D<T, N>& s, const Tensor1D<T, N>& x) {
  return add(x, s);
}
/// x − y element-wise. x receives g, y receives −g.
template <class T, int N>
Tensor1D<T, N> sub(const Tensor1D<T, N>& x, const Tensor1D<T, N>& y) {
  auto& tape = detail::tape_of(x, "sub");
  return detail::Recorder::batch<detail::SubBatchBatch>(
      tape, {.a = tape.slot_of(x, "sub"), .b = tape.slot_of(y, "sub")});
}
/// x_k − s for every sample k. x receives g; s receives −Σ_k g_k.
template <class T, int N>
Tensor1D<T, N> sub(const Tensor1D<T, N>& x, const Tensor0D<T, N>& s) {
  auto& tape = detail::tape_of(x, "sub");
  return detail::Recorder::batch<detail::SubBatchScalar>(
      tape, {.a = tape.slot_of(x, "sub"), .b = tape.slot_of(s, "sub")});
}
/// w · x_k for every sample k. x receives w·g; w receives Σ_k g_k·x_k.
template <class T, int N>
Tensor1D<T, N> mul(const Tensor0D<T, N>& w, const Tensor1D<T, N>& x) {
  auto& tape = detail::tape_of(w, "mul");
  return detail::Recorder::batch<detail::MulScalarBatch>(
      tape, {.a = tape.slot_of(w, "mul"), .b = tape.slot_of(x, "mul")});
}
/// x_k · w for every sample k (same as mul(w, x)).
template <class T, int N>
Tensor1D<T, N> mul(const Tensor1D<T, N>& x, const Tensor0D<T, N>& w) {
  return mul(w, x);
}
/// x ⊙ y element-wise. x receives g ⊙ y, y receives g ⊙ x.
template <class T, int N>
Tensor1D<T, N> mul(const Tensor1D<T, N>& x, const Tensor1D<T, N>& y) {
  auto& tape = detail::tape_of(x, "mul");
  return detail::Recorder::batch<detail::MulBatchBatch>(
      tape, {.a = tape.slot_of(x, "mul"), .b = tape.slot_of(y, "mul")});
}

template <class T, int N>
Tensor1D<T, N> operator+(const Tensor1D<T, N>& x, const Tensor1D<T, N>& y) { return add(x, y); }
template <class T, int N>
Tensor1D<T, N> operator+(const Tensor1D<T, N>& x, const Tensor0D<T, N>& s) { return add(x, s); }
template <class T, int N>
Tensor1D<T, N> operator+(const Tensor0D<T, N>& s, const Tensor1D<T, N>& x) { return add(x, s); }
template <class T, int N>
Tensor1D<T, N> operator-(const Tensor1D<T, N>& x, const Tensor1D<T, N>& y) { return sub(x, y); }
template <class T, int N>
Tensor1D<T, N> operator-(const Tensor1D<T, N>& x, const Tensor0D<T, N>& s) { return sub(x, s); }
template <class T, int N>
Tensor1D<T, N> operator*(const Tensor0D<T, N>& w, const Tensor1D<T, N>& x) { return mul(w, x); }
template <class T, int N>
Tensor1D<T, N> operator*(const Tensor1D<T, N>& x, const Tensor0D<T, N>& w) { return mul(w, x); }
template <class T, int N>
Tensor1D<T, N> operator*(const Tensor1D<T, N>& x, const Tensor1D<T, N>& y) { return mul(x, y); }

// --- activations -----------------------------------------------------------------------------

namespace detail {
template <class Kernel, class T, int N>
Tensor1D<T, N> pointwise(const Tensor1D<T, N>& x, const char* op) {
  auto& tape = tape_of(x, op);
  return Recorder::batch<Kernel>(tape, {.a = tape.slot_of(x, op)});
}
}  // namespace detail

/// mish(x) = x·tanh(softplus(x)), element-wise (the seed's node activation).
/// Derivative: tanh(sp) + x·σ(x)·(1 − tanh²(sp)) with sp = softplus(x); computed in a form that
/// is finite for every finite x (mish'(x) → 1 for x → +∞ and → 0 for x → −∞).
template <class T, int N>
Tensor1D<T, N> mish(const Tensor1D<T, N>& x) {
  return detail::pointwise<detail::Mish>(x, "mish");
}
/// relu(x) = max(x, 0). Derivative 1 for x > 0, 0 for x ≤ 0 (0 at the kink, as PyTorch).
template <class T, int N>
Tensor1D<T, N> relu(const Tensor1D<T, N>& x) {
  return detail::pointwise<detail::Relu>(x, "relu");
}
/// tanh(x). Derivative 1 − tanh²(x).
template <class T, int N>
Tensor1D<T, N> tanh(const Tensor1D<T, N>& x) {
  return detail::pointwise<detail::Tanh>(x, "tanh");
}
/// σ(x) = 1/(1 + e⁻ˣ). Derivative σ(x)(1 − σ(x)); saturates without overflow.
template <class T, int N>
Tensor1D<T, N> sigmoid(const Tensor1D<T, N>& x) {
  return detail::pointwise<detail::Sigmoid>(x, "sigmoid");
}
/// eˣ. Derivative eˣ. Overflows to +inf like std::exp.
template <class T, int N>
Tensor1D<T, N> exp(const Tensor1D<T, N>& x) {
  return detail::pointwise<detail::Exp>(x, "exp");
}
/// ln x. Derivative 1/x; x = 0 gives −inf with derivative +inf, x < 0 gives NaN.
template <class T, int N>
Tensor1D<T, N> log(const Tensor1D<T, N>& x) {
  return detail::pointwise<detail::Log>(x, "log");
}

// --- reductions and losses -------------------------------------------------------------------

/// Σ_k x_k over the batch, a scalar. Every sample receives the incoming gradient.
template <class T, int N>
Tensor0D<T, N> sum(const Tensor1D<T, N>& x) {
  auto& tape = detail::tape_of(x, "sum");
  return detail::Recorder::scalar<detail::Sum>(tape, {.a = tape.slot_of(x, "sum")});
}
/// (1/N) Σ_k x_k, a scalar. Every sample receives the incoming gradient divided by N.
template <class T, int N>
Tensor0D<T, N> mean(const Tensor1D<T, N>& x) {
  auto& tape = detail::tape_of(x, "mean");
  return detail::Recorder::scalar<detail::Mean>(tape, {.a = tape.slot_of(x, "mean")});
}
/// Mean squared error (1/N) Σ_k (p_k − t_k)², a scalar.
/// Derivative 2(p_k − t_k)/N for p, the negative of that for t.
template <class T, int N>
Tensor0D<T, N> mse(const Tensor1D<T, N>& prediction, const Tensor1D<T, N>& target) {
  auto& tape = detail::tape_of(prediction, "mse");
  return detail::Recorder::scalar<detail::Mse>(
      tape, {.a = tape.slot_of(prediction, "mse"), .b = tape.slot_of(target, "mse")});
}

/// β + Σ_i w_i·x_i in one record: a network node's pre-activation. Equal to the chain of mul and
/// add it replaces; x_i receives w_i·g, w_i receives Σ_k g_k·x_{i,k}, β receives Σ_k g_k.
/// Pass an empty bias handle for no bias.
template <class T, int N>
Tensor1D<T, N> weighted_sum(std::span<const Tensor0D<T, N>> weights,
                            std::span<const Tensor1D<T, N>> sources,
                            const Tensor0D<T, N>& bias = {}) {
  if (weights.size() != sources.size()) {
    throw std::invalid_argument("chaosnet::weighted_sum: " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(sources.size()) + " sources");
  }
  if (sources.empty() && bias.tape() == nullptr) {
    throw std::invalid_argument("chaosnet::weighted_sum: needs a bias or at least one source");
  }
  auto& tape = sources.empty() ? detail::tape_of(bias, "weighted_sum")
                               : detail::tape_of(sources.front(), "weighted_sum");
  detail::OpRecord r;
  r.b = bias.tape() == nullptr ? detail::no_slot : tape.slot_of(bias, "weighted_sum");
  r.a = detail::Recorder::append_weighted_pairs(tape, weights, sources, r.c);
  r.count = static_cast<std::uint32_t>(sources.size());
  return detail::Recorder::batch<detail::WeightedSum>(tape, r);
}

/// k copies of x whose gradients sum back into x (the seed's split_on_add). With accumulating
/// gradients, plain reuse of x is equally correct; split exists for graphs written that way.
template <class T, int N>
Tensor1DRange<T, N> split_on_add(const Tensor1D<T, N>& x, std::size_t k) {
  if (k == 0) throw std::invalid_argument("chaosnet::split_on_add: k must be at least 1");
  auto& tape = detail::tape_of(x, "split_on_add");
  return detail::Recorder::batches<detail::Split>(
      tape, {.a = tape.slot_of(x, "split_on_add"), .count = static_cast<std::uint32_t>(k)});
}

/// Per-sample log-softmax over K class logits (one Tensor1D per class): out_c = x_c − logsumexp(x).
/// Stable for logits up to ±1e4 and beyond. Derivative: x_c receives g_c − softmax_c·Σ_j g_j.
template <detail::BatchTensorRange Range>
auto log_softmax(const Range& logits)
    -> Tensor1DRange<typename detail::RangeTraits<Range>::Scalar,
                     detail::RangeTraits<Range>::batch_size> {
  if (std::ranges::empty(logits)) {
    throw std::invalid_argument("chaosnet::log_softmax: needs at least one class logit");
  }
  auto& tape = detail::tape_of(*std::ranges::begin(logits), "log_softmax");
  detail::OpRecord r;
  r.a = detail::Recorder::append_batches(tape, logits, "log_softmax");
  r.count = static_cast<std::uint32_t>(std::ranges::distance(logits));
  return detail::Recorder::batches<detail::LogSoftmax>(tape, r);
}

/// Per-sample negative log-likelihood loss_k = −lp_{t_k,k} over K log-probabilities (one Tensor1D
/// per class) and per-sample targets. Derivative −1 at the target class, 0 elsewhere.
/// Throws std::out_of_range, naming the sample, if a target is not in [0, K) (also on replay).
template <detail::BatchTensorRange Range, class T, int N>
  requires std::same_as<std::ranges::range_value_t<Range>, Tensor1D<T, N>>
Tensor1D<T, N> nll(const Range& log_probs, const Targets<T, N>& targets) {
  if (std::ranges::empty(log_probs)) {
    throw std::invalid_argument("chaosnet::nll: needs at least one class");
  }
  auto& tape = detail::tape_of(*std::ranges::begin(log_probs), "nll");
  detail::OpRecord r;
  r.b = tape.slot_of(targets, "nll");
  r.a = detail::Recorder::append_batches(tape, log_probs, "nll");
  r.count = static_cast<std::uint32_t>(std::ranges::distance(log_probs));
  return detail::Recorder::batch<detail::Nll>(tape, r);
}

}  // namespace chaosnet
