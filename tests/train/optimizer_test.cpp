// Optimizers: the update rules against a scalar reference, state that follows parameters by id
// through mutations, and results independent of where the parameters live in memory.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

using chaosnet::Network;
using chaosnet::Optimizer;
using chaosnet::OptimizerKind;
using chaosnet::OptimizerOptions;
using chaosnet::Rng;

namespace {
/// Adam for one scalar, written out plainly (Kingma & Ba, Algorithm 1).
struct ReferenceAdam {
  double m = 0, v = 0;
  int t = 0;
  double step(double w, double g, const OptimizerOptions& o) {
    ++t;
    m = o.beta1 * m + (1 - o.beta1) * g;
    v = o.beta2 * v + (1 - o.beta2) * g * g;
    const double m_hat = m / (1 - std::pow(o.beta1, t));
    const double v_hat = v / (1 - std::pow(o.beta2, t));
    return w - o.learning_rate * m_hat / (std::sqrt(v_hat) + o.epsilon);
  }
};
}  // namespace

TEST_CASE("Optimizer: Adam matches the textbook update, per parameter", "[train][optimizer]") {
  Rng rng(1);
  auto net = chaosnet_test::random_dag<Network<double, 4>>(rng);
  OptimizerOptions options;
  options.kind = OptimizerKind::adam;
  options.learning_rate = 0.01;
  Optimizer<double> adam(options);
  std::vector<ReferenceAdam> reference(net.parameter_values().size());
  std::vector<double> expected(net.parameter_values().begin(), net.parameter_values().end());
  for (int step = 0; step < 20; ++step) {
    const chaosnet_test::RandomBatch<4> batch(rng, net.input_count(), net.output_count());
    net.compute_gradients(batch.ref());
    const auto grads = net.gradients();
    if (step == 0) expected.assign(net.parameter_values().begin(), net.parameter_values().end());
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = reference[i].step(expected[i], grads[i], options);
    adam.step(net, grads);
    const std::vector<double> actual(net.parameter_values().begin(), net.parameter_values().end());
    REQUIRE(chaosnet::relative_error(actual, expected) <= 1e-13);
  }
}

TEST_CASE("Optimizer: SGD with momentum follows v = mu v + g, w -= lr v", "[train][optimizer]") {
  Rng rng(2);
  auto net = chaosnet_test::random_dag<Network<double, 4>>(rng);
  OptimizerOptions options;
  options.kind = OptimizerKind::sgd;
  options.learning_rate = 0.1;
  options.momentum = 0.9;
  Optimizer<double> sgd(options);
  const chaosnet_test::RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  net.compute_gradients(batch.ref());
  std::vector<double> w(net.parameter_values().begin(), net.parameter_values().end());
  std::vector<double> velocity(w.size(), 0.0);
  for (int step = 0; step < 3; ++step) {
    net.compute_gradients(batch.ref());
    const auto g = net.gradients();
    for (std::size_t i = 0; i < w.size(); ++i) {
      velocity[i] = 0.9 * velocity[i] + g[i];
      w[i] -= 0.1 * velocity[i];
    }
    sgd.step(net, g);
  }
  const std::vector<double> actual(net.parameter_values().begin(), net.parameter_values().end());
  CHECK(chaosnet::relative_error(actual, w) <= 1e-14);
}

TEST_CASE("Optimizer: state follows each parameter by id through mutations", "[train][optimizer]") {
  Rng rng(3);
  auto net = chaosnet_test::random_dag<Network<double, 4>>(rng);
  Optimizer<double> adam({OptimizerKind::adam, 0.01});
  const chaosnet_test::RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  for (int step = 0; step < 5; ++step) {
    net.compute_gradients(batch.ref());
    adam.step(net, net.gradients());
  }
  std::map<chaosnet::ParamId, chaosnet::ParameterState<double>> before;
  for (const auto& [id, state] : adam.state(net)) before[id] = state;

  chaosnet::remove_edges(net, 4, chaosnet::EdgeRemoval::random, rng);
  chaosnet::add_nodes(net, chaosnet::NodeKind::normal, 2, rng);
  net.compute_gradients(batch.ref());  // compacts: every slot moves
  std::size_t kept = 0, fresh = 0;
  for (const auto& [id, state] : adam.state(net)) {
    const auto it = before.find(id);
    if (it == before.end()) {
      CHECK(state.first == 0.0);
      CHECK(state.beta1_power == 1.0);
      ++fresh;
    } else {
      CHECK(state.first == it->second.first);
      CHECK(state.second == it->second.second);
      CHECK(state.beta2_power == it->second.beta2_power);
      ++kept;
    }
  }
  CHECK(kept > 0);
  CHECK(fresh > 0);
}

TEST_CASE("Optimizer: results do not depend on where the parameters are in memory",
          "[train][optimizer]") {
  // Vectorised float updates split a vector into SIMD packets and a scalar tail; with Eigen's
  // fast packet sqrt those round differently, so the split must not depend on the address.
  Rng rng(4);
  auto original = chaosnet_test::random_dag<Network<float, 8>>(rng, {.inputs = 30, .outputs = 5, .normals = 40});
  const chaosnet_test::RandomBatch<8> batch(rng, original.input_count(), original.output_count());
  std::vector<std::vector<float>> results;
  std::vector<std::vector<char>> padding;  // shifts later allocations around
  for (int copy = 0; copy < 6; ++copy) {
    padding.emplace_back(static_cast<std::size_t>(8 * copy + 4));
    Network<float, 8> net = original;
    Optimizer<float> adam({OptimizerKind::adam, 0.01});
    for (int step = 0; step < 5; ++step) {
      net.compute_gradients(batch.ref());
      adam.step(net, net.gradients());
    }
    results.emplace_back(net.parameter_values().begin(), net.parameter_values().end());
  }
  for (const auto& r : results) CHECK(r == results.front());
}

TEST_CASE("Optimizer: a non-positive learning rate is refused", "[train][optimizer]") {
  CHECK_THROWS_WITH(Optimizer<float>({OptimizerKind::sgd, 0.0}), Catch::Contains("learning rate must be positive"));
}

TEST_CASE("Optimizer: kinds keep the names of checkpoints and the CLI", "[train][optimizer]") {
  CHECK(chaosnet::to_string(OptimizerKind::sgd) == "sgd");
  CHECK(chaosnet::to_string(OptimizerKind::adam) == "adam");
  CHECK(chaosnet::util::parse_enum<OptimizerKind>("adam") == OptimizerKind::adam);
  CHECK(chaosnet::util::parse_enum<OptimizerKind>("rmsprop") == std::nullopt);
  CHECK(chaosnet::util::enum_name_list<OptimizerKind>() == std::vector<std::string>{"sgd", "adam"});
}
