#pragma once

#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <vector>

namespace chaosnet::detail {

/// Where a value came from; decides whether it may be set and whether it carries a gradient.
enum class SlotKind : std::uint8_t {
  op_output,  ///< computed by an op; recomputed by every replay
  variable,   ///< a leaf with a gradient
  constant,   ///< a leaf without a gradient (data fed to the graph)
  internal,   ///< scratch of one op that no other op reads; that op owns its gradient
};

/// The tape's storage: index-addressed value and gradient columns, plus the operand lists of
/// n-ary ops and the class labels of loss ops. Kernels read and write only through this.
template <class T, int N>
struct TapeColumns {
  using Batch = Eigen::Array<T, N, 1>;

  std::vector<T> scalar_values;
  std::vector<T> scalar_grads;
  std::vector<SlotKind> scalar_kinds;

  std::vector<Batch> batch_values;  // C++17 aligned new keeps Eigen's alignment
  std::vector<Batch> batch_grads;
  std::vector<SlotKind> batch_kinds;

  std::vector<Slot> operands;  ///< operand lists of n-ary ops, addressed by OpRecord::a
  std::vector<int> targets;    ///< N class labels per targets block

  void clear() {
    scalar_values.clear();
    scalar_grads.clear();
    scalar_kinds.clear();
    batch_values.clear();
    batch_grads.clear();
    batch_kinds.clear();
    operands.clear();
    targets.clear();
  }
};

}  // namespace chaosnet::detail
