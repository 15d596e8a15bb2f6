#pragma once

// The tape: a flat list of op records over index-addressed value and gradient columns.
// Record once, then replay forward and backward as often as the leaves change; backward is a
// reverse loop over the records with a switch on the op code (generated from the kernel list).
// No std::function, no per-value allocation, no maps.

#include <chaosnet/autodiff/kernels/kernels.hpp>
#include <chaosnet/autodiff/op_record.hpp>
#include <chaosnet/autodiff/tape_columns.hpp>
#include <chaosnet/autodiff/tensor.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace chaosnet {

namespace detail {
struct Recorder;
}

/// A reverse-mode autodiff tape for a batch of N samples in precision T (float or double).
///
/// Build a graph by creating leaves (variable(), input(), targets()) and applying ops (ops.hpp);
/// each op computes its value as it is recorded. Then backward(loss) fills the gradients.
/// To train, keep the recording: set() new leaf values, forward(), zero_grad(), backward() —
/// exactly what a fresh recording would give, at no recording cost.
///
/// Gradients accumulate: backward() recomputes the gradients of op outputs but adds to those of
/// leaves, as PyTorch does; call zero_grad() once per step.
/// A tape is neither copyable nor movable, because handles point to it.
template <class T, int N>
class Tape {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "chaosnet::Tape: T must be float or double");
  static_assert(N >= 1, "chaosnet::Tape: the batch size N must be at least 1");

 public:
  using Scalar = T;
  using Batch = Eigen::Array<T, N, 1>;
  static constexpr int batch_size = N;

  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  ~Tape() = default;

  /// A trainable scalar leaf (a weight or a bias); its gradient is summed over the batch.
  Tensor0D<T, N> variable(T value) {
    return {this, new_scalar(detail::SlotKind::variable, value), generation_};
  }
  /// Trainable scalar leaves in consecutive slots, one per value: a network's parameters, whose
  /// weights sparse_dag() then reads without an index each.
  Tensor0DRange<T, N> variables(std::span<const T> values) {
    const auto first = static_cast<detail::Slot>(c_.scalar_values.size());
    for (const T v : values) new_scalar(detail::SlotKind::variable, v);
    return {Tensor0D<T, N>{this, first, generation_}, values.size()};
  }
  /// A batch leaf with a gradient.
  Tensor1D<T, N> variable(const Batch& values) {
    return {this, new_batch(detail::SlotKind::variable, values), generation_};
  }
  /// A batch leaf without a gradient: data fed to the graph. Its gradient cannot be read.
  Tensor1D<T, N> input(const Batch& values) {
    return {this, new_batch(detail::SlotKind::constant, values), generation_};
  }
  /// Per-sample class labels for nll(); `labels` must hold exactly N entries.
  Targets<T, N> targets(std::span<const int> labels) {
    check_label_count(labels.size());
    const auto offset = static_cast<detail::Slot>(c_.targets.size());
    c_.targets.insert(c_.targets.end(), labels.begin(), labels.end());
    return {this, offset, generation_};
  }

  /// Give a leaf a new value, for the next forward() replay.
  void set(const Tensor0D<T, N>& leaf, T value) {
    c_.scalar_values[leaf_slot(leaf, c_.scalar_kinds)] = value;
  }
  template <class Derived>
  void set(const Tensor1D<T, N>& leaf, const Eigen::ArrayBase<Derived>& values) {
    c_.batch_values[leaf_slot(leaf, c_.batch_kinds)] = values;
  }
  void set(const Targets<T, N>& targets, std::span<const int> labels) {
    const detail::Slot offset = slot_of(targets, "Tape::set");
    check_label_count(labels.size());
    std::copy(labels.begin(), labels.end(), c_.targets.begin() + offset);
  }

  [[nodiscard]] T value(const Tensor0D<T, N>& x) const { return c_.scalar_values[slot_of(x, "value")]; }
  [[nodiscard]] const Batch& value(const Tensor1D<T, N>& x) const {
    return c_.batch_values[slot_of(x, "value")];
  }
  [[nodiscard]] T grad(const Tensor0D<T, N>& x) const { return c_.scalar_grads[slot_of(x, "grad")]; }
  [[nodiscard]] const Batch& grad(const Tensor1D<T, N>& x) const {
    const detail::Slot s = slot_of(x, "grad");
    if (c_.batch_kinds[s] == detail::SlotKind::constant) {
      throw std::invalid_argument(
          "chaosnet::Tape::grad: this tensor was created with Tape::input() and carries no "
          "gradient; create it with Tape::variable() to differentiate with respect to it");
    }
    return c_.batch_grads[s];
  }

  /// Replay every recorded op in order, from the current leaf values.
  void forward() {
    for (const detail::OpRecord& r : ops_) run<false>(r);
  }

  /// Zero every gradient, of leaves and of op outputs (inputs and op-internal scratch have none
  /// to zero).
  void zero_grad() {
    std::fill(c_.scalar_grads.begin(), c_.scalar_grads.end(), T(0));
    for (std::size_t i = 0; i < c_.batch_grads.size(); ++i) {
      const detail::SlotKind kind = c_.batch_kinds[i];
      if (kind == detail::SlotKind::variable || kind == detail::SlotKind::op_output) {
        c_.batch_grads[i].setZero();
      }
    }
  }

  /// Back-propagate from a scalar root (dRoot/dRoot = 1).
  void backward(const Tensor0D<T, N>& root) {
    const detail::Slot s = slot_of(root, "backward");
    zero_op_output_grads();
    c_.scalar_grads[s] += T(1);
    run_backward();
  }
  /// Back-propagate from a batch root, seeding every sample with 1 (the gradient of Σ_k root_k).
  void backward(const Tensor1D<T, N>& root) {
    const detail::Slot s = slot_of(root, "backward");
    zero_op_output_grads();
    c_.batch_grads[s] += Batch::Ones();
    run_backward();
  }

  /// Forget the recording but keep every buffer's capacity, so re-recording a graph of the same
  /// size allocates nothing. Handles recorded before the reset become invalid.
  void reset() {
    c_.clear();
    ops_.clear();
    ++generation_;
  }

  [[nodiscard]] std::size_t op_count() const { return ops_.size(); }
  [[nodiscard]] std::size_t scalar_count() const { return c_.scalar_values.size(); }
  [[nodiscard]] std::size_t batch_count() const { return c_.batch_values.size(); }

  /// Bulk access to the scalar column, for code that keeps many parameters in consecutive
  /// leaves (a network): values to write before forward(), gradients to read after backward().
  [[nodiscard]] std::span<T> scalar_values() { return c_.scalar_values; }
  /// Bulk access to the batch column, for code that feeds many inputs at once (a network writes
  /// its input leaves, which it created first, in place). Write only leaves.
  [[nodiscard]] std::span<Batch> batch_values() { return c_.batch_values; }
  [[nodiscard]] std::span<const Batch> batch_values() const { return c_.batch_values; }
  [[nodiscard]] std::span<const T> scalar_grads() const { return c_.scalar_grads; }
  /// Every batch slot's gradient after backward(), op-internal slots included (sparse_dag leaves
  /// each unit's δ = ∂L/∂pre there), for code that reads a recording's inner state in bulk.
  [[nodiscard]] std::span<const Batch> batch_grads() const { return c_.batch_grads; }

  /// The slot behind a handle, after checking that the handle belongs to this tape and is not
  /// stale. `op` names the caller in the error message.
  template <class Handle>
  [[nodiscard]] detail::Slot slot_of(const Handle& h, const char* op) const {
    if (h.tape_ == nullptr) {
      throw std::invalid_argument(std::string("chaosnet::") + op +
                                  ": the tensor is empty (default-constructed, never recorded)");
    }
    if (h.tape_ != this) {
      throw std::invalid_argument(std::string("chaosnet::") + op +
                                  ": the tensors belong to different tapes; record every tensor "
                                  "of one graph on the same Tape");
    }
    if (h.generation_ != generation_) {
      throw std::invalid_argument(std::string("chaosnet::") + op +
                                  ": the tensor is stale: its tape was reset() after it was "
                                  "recorded");
    }
    return h.slot_;
  }

 private:
  friend struct detail::Recorder;
  friend class Tensor1DRange<T, N>;

  detail::Slot new_scalar(detail::SlotKind kind, T value) {
    check_capacity(c_.scalar_values.size());
    c_.scalar_values.push_back(value);
    c_.scalar_grads.push_back(T(0));
    c_.scalar_kinds.push_back(kind);
    return static_cast<detail::Slot>(c_.scalar_values.size() - 1);
  }
  detail::Slot new_batch(detail::SlotKind kind, const Batch& value) {
    check_capacity(c_.batch_values.size());
    c_.batch_values.push_back(value);
    c_.batch_grads.push_back(Batch::Zero());
    c_.batch_kinds.push_back(kind);
    return static_cast<detail::Slot>(c_.batch_values.size() - 1);
  }
  static void check_capacity(std::size_t size) {
    if (size >= detail::no_slot) {
      throw std::length_error("chaosnet::Tape: more than 2^32 - 1 values on one tape");
    }
  }
  static void check_label_count(std::size_t count) {
    if (count != static_cast<std::size_t>(N)) {
      throw std::invalid_argument("chaosnet::Tape::targets: got " + std::to_string(count) +
                                  " labels for a batch of " + std::to_string(N));
    }
  }
  template <class Handle>
  detail::Slot leaf_slot(const Handle& h, const std::vector<detail::SlotKind>& kinds) const {
    const detail::Slot s = slot_of(h, "Tape::set");
    if (kinds[s] == detail::SlotKind::op_output) {
      throw std::invalid_argument(
          "chaosnet::Tape::set: only leaves (variable() or input()) can be set; this tensor is "
          "computed by an op and forward() would overwrite it");
    }
    return s;
  }

  /// Append a record, allocate its outputs and compute its value. If the op rejects its inputs
  /// (the kernel throws), the tape is left as it was before the call.
  template <class Kernel>
  detail::Slot record(detail::OpRecord r) {
    using detail::OutputKind;
    const std::size_t scalars_before = c_.scalar_values.size();
    const std::size_t batches_before = c_.batch_values.size();
    r.code = detail::Kernels::code<Kernel>;
    if constexpr (Kernel::output == OutputKind::scalar) {
      r.out = new_scalar(detail::SlotKind::op_output, T(0));
    } else if constexpr (Kernel::output == OutputKind::batch) {
      r.out = new_batch(detail::SlotKind::op_output, Batch::Zero());
    } else {
      r.out = static_cast<detail::Slot>(c_.batch_values.size());
      std::uint32_t outputs = r.count;
      if constexpr (requires { Kernel::outputs; }) outputs = Kernel::outputs;
      for (std::uint32_t j = 0; j < outputs; ++j) {
        new_batch(detail::SlotKind::op_output, Batch::Zero());
      }
    }
    ops_.push_back(r);
    try {
      Kernel::forward(c_, r);
    } catch (...) {
      ops_.pop_back();
      shrink_columns(scalars_before, batches_before);
      throw;
    }
    return r.out;
  }

  void shrink_columns(std::size_t scalars, std::size_t batches) {
    c_.scalar_values.resize(scalars);
    c_.scalar_grads.resize(scalars);
    c_.scalar_kinds.resize(scalars);
    c_.batch_values.resize(batches);
    c_.batch_grads.resize(batches);
    c_.batch_kinds.resize(batches);
  }

  void zero_op_output_grads() {
    for (std::size_t i = 0; i < c_.scalar_kinds.size(); ++i) {
      if (c_.scalar_kinds[i] == detail::SlotKind::op_output) c_.scalar_grads[i] = T(0);
    }
    for (std::size_t i = 0; i < c_.batch_kinds.size(); ++i) {
      if (c_.batch_kinds[i] == detail::SlotKind::op_output) c_.batch_grads[i].setZero();
    }
  }

  void run_backward() {
    for (std::size_t i = ops_.size(); i-- > 0;) run<true>(ops_[i]);
  }

  /// Out of line: the kernels inline here and nowhere else, so how they compile (and round, where
  /// the compiler fuses a multiply and an add) does not depend on who calls forward() or backward().
  template <bool Backward>
  [[gnu::noinline]] void run(const detail::OpRecord& r) {
    detail::Kernels::dispatch(r.code, [&]<class Kernel>() {
      if constexpr (Backward) {
        Kernel::backward(c_, r);
      } else {
        Kernel::forward(c_, r);
      }
    });
  }

  detail::TapeColumns<T, N> c_;
  std::vector<detail::OpRecord> ops_;
  std::uint32_t generation_ = 0;
};

namespace detail {
inline void check_range_index(std::size_t i, std::size_t count, const char* range) {
  if (i >= count) {
    throw std::out_of_range(std::string(range) + ": index " + std::to_string(i) +
                            " out of a range of " + std::to_string(count));
  }
}

template <class T, int N>
Tape<T, N>& HandleBase<T, N>::checked_tape(const char* op) const {
  if (tape_ == nullptr) {
    throw std::invalid_argument(std::string("chaosnet::") + op +
                                ": the tensor is empty (default-constructed, never recorded)");
  }
  return *tape_;
}
}  // namespace detail

template <class T, int N>
T Tensor0D<T, N>::value() const {
  return this->checked_tape("Tensor0D::value").value(*this);
}
template <class T, int N>
T Tensor0D<T, N>::grad() const {
  return this->checked_tape("Tensor0D::grad").grad(*this);
}
template <class T, int N>
const Eigen::Array<T, N, 1>& Tensor1D<T, N>::value() const {
  return this->checked_tape("Tensor1D::value").value(*this);
}
template <class T, int N>
const Eigen::Array<T, N, 1>& Tensor1D<T, N>::grad() const {
  return this->checked_tape("Tensor1D::grad").grad(*this);
}
template <class T, int N>
Tensor1D<T, N> Tensor1DRange<T, N>::operator[](std::size_t i) const {
  detail::check_range_index(i, count_, "chaosnet::Tensor1DRange");
  return {first_.tape_, first_.slot_ + static_cast<detail::Slot>(i), first_.generation_};
}

template <class T, int N>
Tensor0D<T, N> Tensor0DRange<T, N>::operator[](std::size_t i) const {
  detail::check_range_index(i, count_, "chaosnet::Tensor0DRange");
  return {first_.tape_, first_.slot_ + static_cast<detail::Slot>(i), first_.generation_};
}

}  // namespace chaosnet
