// train_to_budget(): a network trained from scratch ends within its budget, learns, is the same
// for the same seed and differs for another; its start is sized as the CLI's; a budget of 0 is
// refused.

#include <chaosnet/sparse/train_to_budget.hpp>

#include <support/halves_dataset.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <stdexcept>
#include <vector>

using chaosnet::Dataset;
using chaosnet::Rng;
using chaosnet::SparseTrainingOptions;

namespace {

SparseTrainingOptions quick() {
  SparseTrainingOptions options;
  options.epochs = 12;
  options.max_shift = 0;  // shifts would move pixels across the halves of these tiny images
  options.schedule.rewire_every = 10;
  return options;
}

std::vector<float> weights(const chaosnet::Network<float, 16>& net) {
  std::vector<float> w;
  for (const auto& e : net.to_data().edges) w.push_back(e.weight);
  return w;
}

}  // namespace

TEST_CASE("train_to_budget: ends within the budget, learns, and is the same for the same seed",
          "[sparse][train_to_budget]") {
  Rng rng(3);
  const Dataset train = chaosnet_test::halves(512, rng);
  const Dataset validation = chaosnet_test::halves(256, rng);
  constexpr std::size_t budget = 40;
  std::size_t epochs = 0, most_edges = 0;
  auto a = chaosnet::train_to_budget<float, 16>(train.features(), 2, budget, train, validation, quick(), 5,
                                                      [&](const chaosnet::EpochStats& e) {
                                                        ++epochs;
                                                        most_edges = std::max(most_edges, e.edges);
                                                      });
  REQUIRE(a.ok());
  CHECK(epochs == 12);
  CHECK(most_edges > budget);  // it started larger and was pruned
  CHECK(a.network.edge_count() <= budget);
  CHECK(a.network.check_invariants().empty());
  CHECK(chaosnet::evaluate_accuracy(a.network, validation) >= 0.95);
  CHECK(chaosnet::evaluate_accuracy(a.network, validation) == a.training.best_validation_accuracy);

  const auto again = chaosnet::train_to_budget<float, 16>(train.features(), 2, budget, train, validation, quick(), 5,
                                                          [](const chaosnet::EpochStats&) {});
  CHECK(weights(again.network) == weights(a.network));
  const auto other = chaosnet::train_to_budget<float, 16>(train.features(), 2, budget, train, validation, quick(), 6,
                                                          [](const chaosnet::EpochStats&) {});
  CHECK(weights(other.network) != weights(a.network));
}

TEST_CASE("train_to_budget: the start is start_multiple x the budget within the dense count",
          "[sparse][train_to_budget]") {
  const SparseTrainingOptions defaults;
  const chaosnet::LayeredStart mnist = chaosnet::budget_start_shape(784, 10, 1300, defaults);
  CHECK(mnist.hidden == std::vector<std::size_t>{65});
  CHECK(mnist.edges == 13000);
  const chaosnet::LayeredStart small = chaosnet::budget_start_shape(8, 2, 40, defaults);
  CHECK(small.hidden == std::vector<std::size_t>{10});  // at least min_hidden nodes
  CHECK(small.edges == 100);                            // 10 x (8 + 2): dense, below 400
}

TEST_CASE("train_to_budget: a budget of 0 is refused", "[sparse][train_to_budget]") {
  Rng rng(1);
  const Dataset data = chaosnet_test::halves(32, rng);
  auto zero_budget = [&] {
    return chaosnet::train_to_budget<float, 16>(data.features(), 2, 0, data, data, quick(), 1,
                                                [](const chaosnet::EpochStats&) {});
  };
  CHECK_THROWS_AS(zero_budget(), std::invalid_argument);
}
