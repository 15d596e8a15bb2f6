// Every op's gradient against central finite differences (double, scale-free relative error
// ≤ 1e-6) at random points and edge points, for batch sizes 1, 4 and 32; and float forward values
// against double.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

using chaosnet_test::check_op;
using chaosnet_test::weighted_loss;

TEMPLATE_TEST_CASE_SIG("Ops: arithmetic gradients match finite differences", "[autodiff][ops]",
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

TEMPLATE_TEST_CASE_SIG("Ops: activation gradients match finite differences", "[autodiff][ops]",
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

TEMPLATE_TEST_CASE_SIG("Ops: reduction and loss gradients match finite differences",
                       "[autodiff][ops]", ((int N), N), 1, 4, 32) {
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
  SECTION("log_softmax + nll over 10 classes, with logits at ±1e4") {
    check_op<N>([](auto& tape, const auto&, const auto& b) {
      std::array<int, static_cast<std::size_t>(N)> labels{};
      for (std::size_t k = 0; k < labels.size(); ++k) labels[k] = static_cast<int>(3 * k + 1) % 10;
      const auto targets = tape.targets(labels);
      const std::array logits{b[0], b[1], b[2] * b[3], b[3], b[4], b[5], b[6], b[7], b[8], b[9]};
      return mean(nll(log_softmax(logits), targets) * b[10]);
    }, 0, 11, -3, 3, {1e4, -1e4});
  }
}

TEST_CASE("Ops: log_softmax stays finite for logits of ±1e4 in float", "[autodiff][ops]") {
  chaosnet::Tape<float, 2> tape;
  const auto a = tape.variable(Eigen::Array2f(1e4f, -1e4f));
  const auto b = tape.variable(Eigen::Array2f(-1e4f, 1e4f));
  const std::array logits{a, b};
  const auto log_probs = log_softmax(logits);
  CHECK(log_probs[0].value()[0] == Approx(0.0f).margin(1e-6));
  CHECK(log_probs[1].value()[0] == Approx(-2e4f));
  const std::array<int, 2> labels{1, 1};
  const auto loss = mean(nll(log_probs, tape.targets(labels)));
  tape.backward(loss);
  CHECK(std::isfinite(loss.value()));
  CHECK(a.grad()[0] == Approx(0.5f));   // softmax 1 minus 0, over a batch of 2
  CHECK(b.grad()[0] == Approx(-0.5f));  // softmax 0 minus 1, over a batch of 2
}

TEST_CASE("Ops: mish and its derivative are finite for every float in [-1000, 1000]",
          "[autodiff][ops]") {
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
