// The reduction kernels (kernels/reduction.hpp: sum, mean, mse, weighted_sum, split) through
// their ops: gradients against central finite differences, float against double.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <type_traits>

using chaosnet_test::check_op;
using chaosnet_test::weighted_loss;

TEMPLATE_TEST_CASE_SIG("Reduction kernels: gradients match finite differences",
                       "[autodiff][kernels]", ((int N), N), 1, 4, 32) {
  SECTION("sum") {
    check_op<N>([](auto&, const auto&, const auto& b) { return sum(b[0] * b[1]); }, 0, 2, -2, 2);
  }
  SECTION("mean") {
    check_op<N>([](auto&, const auto&, const auto& b) { return mean(b[0] * b[1]); }, 0, 2, -2, 2);
  }
  SECTION("mse, gradient to prediction and target") {
    check_op<N>([](auto&, const auto&, const auto& b) { return mse(b[0] * b[2], b[1]); }, 0, 3,
                -2, 2);
  }
  SECTION("weighted_sum with bias, repeated source and a constant source") {
    check_op<N>([](auto& tape, const auto& s, const auto& b) {
      using Tape = std::remove_reference_t<decltype(tape)>;
      const auto constant = tape.input(Tape::Batch::Constant(typename Tape::Scalar(0.75)));
      const std::array weights{s[0], s[1], s[2], s[3]};
      const std::array sources{constant, b[0], b[1], b[0]};
      return weighted_loss(weighted_sum<typename Tape::Scalar, Tape::batch_size>(weights, sources, s[4]),
                           b[2]);
    }, 5, 3, -2, 2);
  }
  SECTION("split_on_add: copies feed different terms") {
    check_op<N>([](auto&, const auto&, const auto& b) {
      const auto copies = split_on_add(mish(b[0]), 3);
      return weighted_loss(copies[0] * copies[1] + tanh(copies[2]), b[1]);
    }, 0, 2, -2, 2);
  }
}
