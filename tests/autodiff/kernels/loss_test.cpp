// The loss kernels (kernels/loss.hpp: log_softmax, nll) through their ops: gradients against
// central finite differences with logits at ±1e4, and log_softmax finite in float at those logits.

#include <autodiff/op_check.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

using chaosnet_test::check_op;

TEMPLATE_TEST_CASE_SIG("Loss kernels: gradients match finite differences",
                       "[autodiff][kernels]", ((int N), N), 1, 4, 32) {
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

TEST_CASE("Loss kernels: log_softmax stays finite for logits of ±1e4 in float", "[autodiff][kernels]") {
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
