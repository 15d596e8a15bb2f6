#pragma once

// Every op a tape can record, in one list. A record's code is its kernel's index in the list and
// Tape dispatches forward and backward through it, so adding an op takes its kernel (value and
// derivative side by side, plus the record layout), its entry here and its public wrapper in
// ops.hpp, which documents the derivative.

#include <chaosnet/autodiff/kernels/activation.hpp>
#include <chaosnet/autodiff/kernels/arithmetic.hpp>
#include <chaosnet/autodiff/kernels/chaos_cortex.hpp>
#include <chaosnet/autodiff/kernels/distillation.hpp>
#include <chaosnet/autodiff/kernels/loss.hpp>
#include <chaosnet/autodiff/kernels/reduction.hpp>
#include <chaosnet/autodiff/kernels/sparse_dag.hpp>
#include <chaosnet/autodiff/op_record.hpp>

#include <cstddef>
#include <limits>
#include <type_traits>
#include <utility>

namespace chaosnet::detail {

/// Kernel types, each with static forward(columns, record) and backward(columns, record) and
/// the OutputKind it writes.
template <class... Ks>
struct KernelList {
  static_assert(sizeof...(Ks) <= std::size_t{std::numeric_limits<OpCode>::max()} + 1,
                "chaosnet: more kernels than an OpCode can number");

  template <class Kernel>
  static constexpr std::size_t count = (std::size_t{std::is_same_v<Kernel, Ks>} + ...);
  static_assert(((count<Ks> == 1) && ...), "chaosnet: a kernel is listed twice");

  /// The code of Kernel's records: its index in the list.
  template <class Kernel>
  static constexpr OpCode code = [] {
    static_assert(count<Kernel> == 1, "chaosnet: list the kernel in Kernels (kernels/kernels.hpp)");
    OpCode index = 0;
    (void)((std::is_same_v<Kernel, Ks> || (++index, false)) || ...);
    return index;
  }();

  /// f.template operator()<K>() for the kernel K whose code is `code`. The compiler turns the
  /// chain of comparisons into the jump table of a switch over the codes.
  template <class F>
  static void dispatch(OpCode code, F&& f) {
    dispatch(code, f, std::index_sequence_for<Ks...>{});
  }

 private:
  template <class F, std::size_t... I>
  static void dispatch(OpCode code, F& f, std::index_sequence<I...>) {
    (void)(((code == I) && (f.template operator()<Ks>(), true)) || ...);
  }
};

using Kernels = KernelList<AddBatchBatch, AddBatchScalar, SubBatchBatch, SubBatchScalar,
                           MulScalarBatch, MulBatchBatch, Mish, Relu, Tanh, Sigmoid, Exp, Log,
                           WeightedSum, SparseDag, Split, LogSoftmax, Nll, Mse, Sum, Mean,
                           Distillation, ChaosCortex>;

}  // namespace chaosnet::detail
