#pragma once

// Handles to values on a tape. A handle is three words (tape, slot, generation); copying it is
// free and never copies data. The values live on the tape, which must outlive its handles.

#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace chaosnet {

template <class T, int N>
class Tape;
template <class T, int N>
class Tensor1DRange;
template <class T, int N>
class Tensor0DRange;

namespace detail {
struct Recorder;

/// The parts every handle shares; Tape reads them to validate operands.
template <class T, int N>
class HandleBase {
 public:
  /// The tape this value lives on, or nullptr for a default-constructed handle.
  [[nodiscard]] Tape<T, N>* tape() const { return tape_; }
  /// The tape, or an exception naming `op` if the handle is empty.
  Tape<T, N>& checked_tape(const char* op) const;

 protected:
  HandleBase() = default;
  HandleBase(Tape<T, N>* tape, Slot slot, std::uint32_t generation)
      : tape_(tape), slot_(slot), generation_(generation) {}

  Tape<T, N>* tape_ = nullptr;
  Slot slot_ = no_slot;
  std::uint32_t generation_ = 0;  ///< the tape's generation when recorded; reset() bumps it

  friend class Tape<T, N>;
  friend class Tensor1DRange<T, N>;
  friend class Tensor0DRange<T, N>;
  friend struct Recorder;
};
}  // namespace detail

/// A scalar on a tape: a weight or a bias, or a batch reduction such as a mean loss. It is shared
/// by every sample of the batch, so its gradient is the sum over the batch, as PyTorch reports it.
template <class T, int N>
class Tensor0D : public detail::HandleBase<T, N> {
 public:
  Tensor0D() = default;
  /// Current value (after the last record or replay).
  [[nodiscard]] T value() const;
  /// Accumulated gradient of the last backward pass (sum over the batch).
  [[nodiscard]] T grad() const;

 private:
  using detail::HandleBase<T, N>::HandleBase;
  friend class Tape<T, N>;
  friend class Tensor0DRange<T, N>;
  friend struct detail::Recorder;
};

/// A batch vector on a tape: element k belongs to sample k of the batch of N.
template <class T, int N>
class Tensor1D : public detail::HandleBase<T, N> {
 public:
  Tensor1D() = default;
  [[nodiscard]] const Eigen::Array<T, N, 1>& value() const;
  [[nodiscard]] const Eigen::Array<T, N, 1>& grad() const;

 private:
  using detail::HandleBase<T, N>::HandleBase;
  friend class Tape<T, N>;
  friend class Tensor1DRange<T, N>;
  friend struct detail::Recorder;
};

/// `count` consecutive batch vectors produced by one op (split_on_add, log_softmax). A view: it
/// owns nothing and allocates nothing.
template <class T, int N>
class Tensor1DRange {
 public:
  Tensor1DRange() = default;
  Tensor1DRange(Tensor1D<T, N> first, std::size_t count) : first_(first), count_(count) {}

  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] Tensor1D<T, N> operator[](std::size_t i) const;

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Tensor1D<T, N>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Tensor1DRange* range, std::size_t i) : range_(range), i_(i) {}
    value_type operator*() const { return (*range_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const iterator& other) const { return i_ == other.i_; }

   private:
    const Tensor1DRange* range_ = nullptr;
    std::size_t i_ = 0;
  };
  [[nodiscard]] iterator begin() const { return {this, 0}; }
  [[nodiscard]] iterator end() const { return {this, count_}; }

 private:
  Tensor1D<T, N> first_;
  std::size_t count_ = 0;
};

/// `count` scalars in consecutive slots (Tape::variables): a network's parameters, whose weights
/// sparse_dag() reads without an index each. A view: it owns nothing.
template <class T, int N>
class Tensor0DRange {
 public:
  Tensor0DRange() = default;
  Tensor0DRange(Tensor0D<T, N> first, std::size_t count) : first_(first), count_(count) {}

  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] Tensor0D<T, N> operator[](std::size_t i) const;
  [[nodiscard]] const Tensor0D<T, N>& front() const { return first_; }

 private:
  Tensor0D<T, N> first_;
  std::size_t count_ = 0;
};

/// Per-sample class labels on a tape (N of them), read by nll(). Settable for replay.
template <class T, int N>
class Targets : public detail::HandleBase<T, N> {
 public:
  Targets() = default;

 private:
  using detail::HandleBase<T, N>::HandleBase;
  friend class Tape<T, N>;
  friend class Tensor1DRange<T, N>;
  friend struct detail::Recorder;
};

}  // namespace chaosnet
