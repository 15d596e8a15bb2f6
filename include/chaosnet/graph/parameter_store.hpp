#pragma once

// The parameters of a topology (edge weights and biases) as one vector of values that training
// reads and writes in place. Each parameter has a stable ParamId, which optimizer state and
// checkpoints are keyed by, and a slot, where its value lives now. Mutations free and allocate
// parameters one at a time, so freed slots are reused before the vector grows; compact() drops
// them and puts the live parameters in the order the caller needs (Topology: node by node).

#include <chaosnet/graph/node.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet {

template <class T>
class ParameterStore {
 public:
  /// An empty store whose first fresh id is `next_id` (0 is never an id: it marks a free slot).
  explicit ParameterStore(ParamId next_id = 1) : next_id_(next_id) {}

  /// A slot holding `value` under a fresh id, one this store never handed out before.
  ParamSlot allocate(T value) { return allocate_with_id(value, next_id_++); }
  /// A slot holding `value` under a given id, to rebuild a stored topology; keeping ids unique
  /// and below next_id() is the caller's job. The most recently freed slot is reused first.
  ParamSlot allocate_with_id(T value, ParamId id) {
    compact_ = false;
    if (!free_.empty()) {
      const ParamSlot slot = free_.back();
      free_.pop_back();
      values_[slot] = value;
      ids_[slot] = id;
      return slot;
    }
    values_.push_back(value);
    ids_.push_back(id);
    return static_cast<ParamSlot>(values_.size() - 1);
  }
  /// Free `slot` (no_param: nothing to free). Its value and id read 0 until it is reused; its id
  /// is retired for good.
  void release(ParamSlot slot) {
    if (slot == no_param) return;
    values_[slot] = T(0);
    ids_[slot] = 0;
    free_.push_back(slot);
    compact_ = false;
  }

  [[nodiscard]] T& operator[](ParamSlot slot) { return values_[slot]; }
  [[nodiscard]] const T& operator[](ParamSlot slot) const { return values_[slot]; }
  /// Every value by slot, free slots included (they hold 0).
  [[nodiscard]] std::span<T> values() { return values_; }
  [[nodiscard]] std::span<const T> values() const { return values_; }
  /// Every id by slot; 0 marks a free slot.
  [[nodiscard]] std::span<const ParamId> ids() const { return ids_; }
  /// Live parameters.
  [[nodiscard]] std::size_t size() const { return ids_.size() - free_.size(); }
  /// The id the next allocate() hands out.
  [[nodiscard]] ParamId next_id() const { return next_id_; }
  /// True until the first allocation or release, and again after compact().
  [[nodiscard]] bool is_compact() const { return compact_; }

  /// Renumber the slots: `order` lists every live slot once, and afterwards the parameter that
  /// was in order[i] (value and id) is in slot i and no slot is free. Throws
  /// std::invalid_argument, changing nothing, if `order` misses a live slot, names a free or
  /// out-of-range one, or names one twice.
  void compact(std::span<const ParamSlot> order) {
    if (order.size() != size()) {
      throw std::invalid_argument("chaosnet::ParameterStore::compact: " + std::to_string(order.size()) +
                                  " slots listed for " + std::to_string(size()) + " parameters");
    }
    std::vector<char> listed(ids_.size(), 0);
    for (const ParamSlot slot : order) {
      if (slot >= ids_.size() || ids_[slot] == 0 || listed[slot] != 0) {
        throw std::invalid_argument("chaosnet::ParameterStore::compact: slot " + std::to_string(slot) +
                                    " is out of range, free or listed twice");
      }
      listed[slot] = 1;
    }
    Values values;
    std::vector<ParamId> ids;
    values.reserve(order.size());
    ids.reserve(order.size());
    for (const ParamSlot slot : order) {
      values.push_back(values_[slot]);
      ids.push_back(ids_[slot]);
    }
    values_ = std::move(values);
    ids_ = std::move(ids);
    free_.clear();
    compact_ = true;
  }

 private:
  /// Aligned to the SIMD packet size so that vectorised updates (the optimizer) always split the
  /// vector into the same packets and scalar tail: Eigen's fast packet sqrt and the exact scalar
  /// one differ in the last bit, and results must not depend on where malloc put the vector.
  using Values = std::vector<T, Eigen::aligned_allocator<T>>;
  Values values_;
  std::vector<ParamId> ids_;     ///< by slot; 0 marks a free slot
  std::vector<ParamSlot> free_;  ///< reused last in, first out
  ParamId next_id_;
  bool compact_ = true;
};

}  // namespace chaosnet
