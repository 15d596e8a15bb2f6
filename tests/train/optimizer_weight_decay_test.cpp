// Decoupled weight decay (AdamW): w ← w·(1 − lr·λ) before every update, for SGD and Adam alike,
// so with zero gradients every parameter shrinks by exactly that factor per step; λ must be in
// [0, 1/lr).

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using chaosnet::Optimizer;
using chaosnet::OptimizerKind;
using chaosnet::OptimizerOptions;
using chaosnet::Rng;
using Net = chaosnet::Network<double, 4>;

namespace {
OptimizerOptions decaying(OptimizerKind kind, double learning_rate, double weight_decay) {
  OptimizerOptions options;
  options.kind = kind;
  options.learning_rate = learning_rate;
  options.weight_decay = weight_decay;
  return options;
}
}  // namespace

TEST_CASE("Optimizer weight decay: zero gradients shrink every parameter by 1 - lr*lambda per step",
          "[train][optimizer][weight_decay]") {
  for (const OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::adam}) {
    INFO(to_string(kind));
    Rng rng(1);
    Net net = chaosnet_test::random_dag<Net>(rng);
    Optimizer<double> optimizer(decaying(kind, 0.1, 0.5));
    const double factor = 1 - 0.1 * 0.5;
    std::vector<double> expected(net.parameter_values().begin(), net.parameter_values().end());
    const std::vector<double> zero(expected.size(), 0.0);
    for (int step = 0; step < 10; ++step) {
      optimizer.step(net, zero);
      for (double& w : expected) w *= factor;
      const std::vector<double> actual(net.parameter_values().begin(), net.parameter_values().end());
      REQUIRE(actual == expected);
    }
    CHECK(chaosnet::relative_error(expected, std::vector<double>(net.parameter_values().begin(),
                                                                 net.parameter_values().end())) == 0.0);
    double largest = 0;
    for (const double w : expected) largest = std::max(largest, std::abs(w));
    CHECK(largest > 0.1);  // decay was applied to real values, not to zeros
  }
}

TEST_CASE("Optimizer weight decay: SGD decays, then steps along the gradient", "[train][optimizer][weight_decay]") {
  Rng rng(2);
  Net net = chaosnet_test::random_dag<Net>(rng);
  Optimizer<double> sgd(decaying(OptimizerKind::sgd, 0.05, 0.2));
  const chaosnet_test::RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  net.compute_gradients(batch.ref());
  const std::vector<double> g(net.gradients().begin(), net.gradients().end());
  std::vector<double> expected(net.parameter_values().begin(), net.parameter_values().end());
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = expected[i] * (1 - 0.05 * 0.2) - 0.05 * g[i];
  sgd.step(net, g);
  const std::vector<double> actual(net.parameter_values().begin(), net.parameter_values().end());
  CHECK(chaosnet::relative_error(actual, expected) <= 1e-15);
}

TEST_CASE("Optimizer weight decay: refused below 0 or at 1/lr and above", "[train][optimizer][weight_decay]") {
  for (const OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::adam}) {
    for (const double bad : {-1e-9, -0.5, 10.0, 11.0, std::numeric_limits<double>::quiet_NaN()}) {
      INFO(to_string(kind) << ", weight decay " << bad);
      CHECK_THROWS_WITH(Optimizer<double>(decaying(kind, 0.1, bad)), Catch::Contains("weight decay"));
    }
    CHECK_NOTHROW(Optimizer<double>(decaying(kind, 0.1, 0.0)));
    CHECK_NOTHROW(Optimizer<double>(decaying(kind, 0.1, 9.99)));
  }
}
