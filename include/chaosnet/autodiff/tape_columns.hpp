#pragma once

#include <chaosnet/autodiff/chaos_cortex_program.hpp>
#include <chaosnet/autodiff/dag_program.hpp>
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
/// n-ary ops, the class labels of loss ops and the programs of sparse_dag ops. Kernels read and
/// write only through this.
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

  /// sparse_dag programs, addressed by OpRecord::a; the first dag_program_count are recorded.
  /// clear() keeps them all, with their arrays' capacity, for the next recording to reuse.
  std::vector<DagProgram> dag_programs;
  std::uint32_t dag_program_count = 0;

  /// chaos_cortex programs with their state, addressed by OpRecord::a.
  std::vector<ChaosCortexProgram<T>> chaos_cortices;

  /// An empty program for a new sparse_dag record, at index dag_program_count - 1.
  DagProgram& new_dag_program() {
    if (dag_program_count == dag_programs.size()) dag_programs.emplace_back();
    DagProgram& program = dag_programs[dag_program_count++];
    program.clear();
    return program;
  }

  void clear() {
    scalar_values.clear();
    scalar_grads.clear();
    scalar_kinds.clear();
    batch_values.clear();
    batch_grads.clear();
    batch_kinds.clear();
    operands.clear();
    targets.clear();
    dag_program_count = 0;
    chaos_cortices.clear();
  }
};

}  // namespace chaosnet::detail
