// The arithmetic kernels (kernels/arithmetic.hpp) through their ops: gradients against central
// finite differences (double, scale-free relative error <= 1e-6) at random points, for batch
// sizes 1, 4 and 32, and float forward values against double.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

using chaosnet_test::check_op;
using chaosnet_test::weighted_loss;

TEMPLATE_TEST_CASE_SIG("Arithmetic kernels: gradients match finite differences", "[autodiff][kernels]",
                       ((int N), N), 1, 4, 32) {
  SECTION("add batch + batch") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(b[0] + b[1], b[2]); },
                0, 3, -2, 2);
  }
  SECTION("add batch + scalar, both orders") {
    check_op<N>([](auto&, const auto& s, const auto& b) {
      return weighted_loss((b[0] + s[0]) * (s[1] + b[0]), b[1]);
    }, 2, 2, -2, 2);
  }
  SECTION("sub batch - batch") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(b[0] - b[1], b[2]); },
                0, 3, -2, 2);
  }
  SECTION("sub batch - scalar") {
    check_op<N>([](auto&, const auto& s, const auto& b) { return weighted_loss(b[0] - s[0], b[1]); },
                1, 2, -2, 2);
  }
  SECTION("mul scalar * batch, both orders") {
    check_op<N>([](auto&, const auto& s, const auto& b) {
      return weighted_loss(s[0] * b[0] + b[0] * s[1], b[1]);
    }, 2, 2, -2, 2);
  }
  SECTION("mul batch * batch, including x * x") {
    check_op<N>([](auto&, const auto&, const auto& b) {
      return weighted_loss(b[0] * b[1] + b[0] * b[0], b[2]);
    }, 0, 3, -2, 2);
  }
}
