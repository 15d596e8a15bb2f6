// Every op's gradient against central finite differences (double, scale-free relative error
// ≤ 1e-6) at random points and edge points, for batch sizes 1, 4 and 32; and float forward values
// against double.

#include <support/gradient_harness.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <random>
#include <vector>

using chaosnet_test::evaluate;
using chaosnet_test::gradient_error;
using chaosnet_test::uniform;

namespace {

constexpr double max_gradient_error = 1e-6;

/// Checks one op: random points in [lo, hi) plus points where every batch value of the op's
/// operands equals one of `edges`. The last batch leaf is a vector of loss coefficients, so the
/// loss Σ_k c_k·out_k gives every output sample its own gradient.
template <int N, class Build>
void check_op(const Build& build, std::size_t scalars, std::size_t batches, double lo, double hi,
              const std::vector<double>& edges = {}) {
  std::mt19937_64 rng(20260101 + N);
  const std::size_t size = scalars + batches * N;
  for (int trial = 0; trial < 4; ++trial) {
    const std::vector<double> x = uniform(rng, size, lo, hi);
    INFO("random point " << trial);
    CHECK(gradient_error<N>(build, scalars, batches, x) <= max_gradient_error);

    const auto in_double = evaluate<double, N>(build, scalars, batches, x);
    const auto in_float = evaluate<float, N>(build, scalars, batches, x);
    CHECK(in_float.loss == Approx(in_double.loss).epsilon(1e-5).margin(1e-5));
  }
  for (const double edge : edges) {
    std::vector<double> x = uniform(rng, size, 0.5, 1.5);  // scalars and coefficients
    for (std::size_t i = scalars; i < scalars + (batches - 1) * N; ++i) x[i] = edge;
    INFO("edge point " << edge);
    CHECK(gradient_error<N>(build, scalars, batches, x) <= max_gradient_error);
    const auto in_float = evaluate<float, N>(build, scalars, batches, x);
    CHECK(std::isfinite(in_float.loss));
    for (const double g : in_float.gradient) CHECK(std::isfinite(g));
  }
}

template <class V>
auto weighted_loss(const V& out, const V& coefficients) {
  return chaosnet::sum(out * coefficients);
}

}  // namespace

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
  SECTION("sparse_dag: mish and identity units, an input and a constant, fan-out") {
    check_op<N>([](auto& tape, const auto& s, const auto& b) {
      using Tape = std::remove_reference_t<decltype(tape)>;
      using T = typename Tape::Scalar;
      constexpr int n = Tape::batch_size;
      const auto constant = tape.input(Tape::Batch::Constant(T(0.5)));
      const std::array inputs{constant, b[0]};
      // s[0..7] are consecutive leaves. Units: 2 = mish(s0 + s1·in0 + s2·in1),
      // 3 = mish(s3·in1 + s4·unit2), outputs 4 = s5·unit2 + s6·unit3 + s7 (identity).
      chaosnet::DagSpec spec;
      spec.inputs = 2;
      spec.outputs = 1;
      spec.sources = {0, 1, 1, 2, 2, 3};
      spec.units = {{chaosnet::Activation::mish, 0, 1, 0, 2},
                    {chaosnet::Activation::mish, chaosnet::dag_none, 3, 2, 2},
                    {chaosnet::Activation::identity, 7, 5, 4, 2}};
      const chaosnet::Tensor0DRange<T, n> parameters(s[0], 8);
      const auto out = chaosnet::sparse_dag<T, n>(spec, inputs, parameters);
      return weighted_loss(out[0] * b[1], b[2]);
    }, 8, 3, -2, 2, {20.0, -20.0});
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
