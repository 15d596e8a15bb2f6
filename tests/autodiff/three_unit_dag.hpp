#pragma once

// The small DAG the sparse_dag tests share: two inputs; units 2 = mish(p0 + p1·in0 + p2·in1),
// 3 = mish(p3·in1 + p4·unit2) and the output 4 = p5·unit2 + p6·unit3 + p7 (identity), over 8
// parameters; and its gradient check against finite differences.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff/sparse_dag.hpp>

#include <array>
#include <type_traits>

namespace chaosnet_test {

inline chaosnet::DagSpec three_units() {
  using chaosnet::Activation;
  chaosnet::DagSpec spec;
  spec.inputs = 2;
  spec.outputs = 1;
  spec.sources = {0, 1, 1, 2, 2, 3};
  spec.units = {{Activation::mish, 0, 1, 0, 2},
                {Activation::mish, chaosnet::dag_none, 3, 2, 2},
                {Activation::identity, 7, 5, 4, 2}};
  return spec;
}

/// Gradients of sum(out · b1 · b2) for `spec` (three_units(), possibly with noise) against finite
/// differences: mish and identity units, an input and a constant, fan-out.
template <int N>
void check_three_units_gradients(const chaosnet::DagSpec& spec) {
  check_op<N>([&spec](auto& tape, const auto& s, const auto& b) {
    using Tape = std::remove_reference_t<decltype(tape)>;
    using T = typename Tape::Scalar;
    constexpr int n = Tape::batch_size;
    const auto constant = tape.input(Tape::Batch::Constant(T(0.5)));
    const std::array inputs{constant, b[0]};
    const chaosnet::Tensor0DRange<T, n> parameters(s[0], 8);  // s[0..7] are consecutive leaves
    const auto out = chaosnet::sparse_dag<T, n>(spec, inputs, parameters);
    return weighted_loss(out[0] * b[1], b[2]);
  }, 8, 3, -2, 2, {20.0, -20.0});
}

}  // namespace chaosnet_test
