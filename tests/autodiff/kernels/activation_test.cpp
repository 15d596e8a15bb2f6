// The activation kernels (kernels/activation.hpp) through their ops: gradients against central
// finite differences at random and edge points (±20, ±1000 for mish), float against double, and
// mish finite over the whole range floats reach in training.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using chaosnet_test::check_op;
using chaosnet_test::weighted_loss;

TEMPLATE_TEST_CASE_SIG("Activation kernels: gradients match finite differences", "[autodiff][kernels]",
                       ((int N), N), 1, 4, 32) {
  SECTION("mish, with edge points ±20 and ±1000") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(mish(b[0]), b[1]); },
                0, 2, -5, 5, {20.0, -20.0, 1000.0, -1000.0});
  }
  SECTION("relu, away from the kink") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(relu(b[0]), b[1]); },
                0, 2, -2, 2, {-3.0, 3.0});
  }
  SECTION("tanh") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(tanh(b[0]), b[1]); },
                0, 2, -3, 3, {-30.0, 30.0});
  }
  SECTION("sigmoid") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(sigmoid(b[0]), b[1]); },
                0, 2, -4, 4, {-50.0, 50.0});
  }
  SECTION("exp") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(exp(b[0]), b[1]); },
                0, 2, -3, 3);
  }
  SECTION("log, on positive inputs") {
    check_op<N>([](auto&, const auto&, const auto& b) { return weighted_loss(log(b[0]), b[1]); },
                0, 2, 0.1, 4, {1e-3, 1e3});
  }
}

TEST_CASE("Activation kernels: mish and its derivative are finite for every float in [-1000, 1000]",
          "[autodiff][kernels]") {
  constexpr int n = 64;
  chaosnet::Tape<float, n> tape;
  for (float start = -1000.0f; start < 1000.0f; start += 0.37f * n) {
    tape.reset();
    Eigen::Array<float, n, 1> x;
    for (int k = 0; k < n; ++k) x[k] = start + 0.37f * static_cast<float>(k);
    const auto input = tape.variable(x);
    const auto y = mish(input);
    tape.backward(y);
    REQUIRE(y.value().isFinite().all());
    REQUIRE(input.grad().isFinite().all());
  }
}
