// The training loop: it learns, keeps the best validation epoch, survives a diverging loss, and
// evaluates partial batches correctly and empty datasets not at all.

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

using chaosnet::Dataset;
using chaosnet::Network;
using chaosnet::Rng;

namespace {
/// Two classes separable by which half of an 8-pixel image is brighter, with noise.
Dataset halves(std::size_t count, Rng& rng) {
  std::vector<float> pixels;
  std::vector<int> labels;
  for (std::size_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(i % 2);
    for (int p = 0; p < 8; ++p) {
      const bool bright = (p < 4) == (label == 0);
      pixels.push_back(static_cast<float>((bright ? 0.7 : 0.2) + 0.2 * chaosnet::util::uniform_unit(rng)));
    }
    labels.push_back(label);
  }
  return Dataset(std::move(pixels), std::move(labels), 2, 4, 2);
}

chaosnet::TopologyOptions small_options() {
  chaosnet::TopologyOptions options;
  options.input_edges = 8;
  options.new_node_edges_in = 3;
  options.new_node_edges_out = 3;
  options.leaf_bias = true;
  return options;
}
}  // namespace

TEST_CASE("Trainer: learns a separable problem and reports every epoch", "[train][trainer]") {
  Rng rng(1);
  const Dataset train = halves(256, rng), validation = halves(64, rng);
  Network<float, 16> net(8, 2, rng, small_options());
  chaosnet::add_nodes(net, chaosnet::NodeKind::normal, 6, rng);
  const double before = chaosnet::evaluate_accuracy(net, validation);
  chaosnet::Optimizer<float> adam({chaosnet::OptimizerKind::adam, 0.05});
  std::size_t batches = 0, epochs = 0;
  const auto result = chaosnet::train(net, adam, train, validation, {.epochs = 8}, rng,
                                      [&](std::size_t, std::size_t) { ++batches; },
                                      [&](const chaosnet::EpochStats&) { ++epochs; });
  CHECK(epochs == 8);
  CHECK(batches == 8 * (256 / 16));
  CHECK(result.epochs.back().train_loss < result.epochs.front().train_loss);
  CHECK(result.best_validation_accuracy >= 0.95);
  CHECK(chaosnet::evaluate_accuracy(net, validation) == result.best_validation_accuracy);
  CHECK(result.best_validation_accuracy > before);
}

TEST_CASE("Trainer: a diverging loss stops training and keeps finite parameters", "[train][trainer]") {
  Rng rng(2);
  const Dataset train = halves(128, rng), validation = halves(32, rng);
  Network<float, 16> net(8, 2, rng, small_options());
  chaosnet::add_nodes(net, chaosnet::NodeKind::normal, 6, rng);
  chaosnet::Optimizer<float> sgd({chaosnet::OptimizerKind::sgd, 1e30});  // certain to blow up
  const auto result = chaosnet::train(net, sgd, train, validation, {.epochs = 3}, rng,
                                      [](std::size_t, std::size_t) {}, [](const chaosnet::EpochStats&) {});
  CHECK(result.diverged);
  CHECK_THAT(result.message, Catch::Contains("became") && Catch::Contains("smaller learning rate"));
  for (const float w : net.parameter_values()) REQUIRE(std::isfinite(w));
  const std::vector<const float*> rows(16, train.image(0).data());
  const std::vector<int> labels(16, 0);
  CHECK(std::isfinite(net.compute_gradients({rows, labels})));
}

TEST_CASE("Evaluate: partial last batches count only real samples", "[train][evaluate]") {
  Rng rng(3);
  const Dataset data = halves(37, rng);  // 2 full batches of 16 and 5 left over
  Network<float, 16> net(8, 2, rng, small_options());
  std::size_t correct = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    std::vector<const float*> rows(16, data.image(i).data());
    if (net.predict(rows)[0] == data.label(i)) ++correct;
  }
  CHECK(chaosnet::evaluate_accuracy(net, data) == Approx(static_cast<double>(correct) / 37.0));
  const Dataset wrong(std::vector<float>(9, 0.f), std::vector<int>{0}, 3, 3, 2);
  CHECK_THROWS_WITH(chaosnet::evaluate_accuracy(net, wrong), Catch::Contains("9 features"));
}

TEST_CASE("Evaluate: an empty dataset is refused, not reported as 0%", "[train][evaluate]") {
  Rng rng(4);
  Network<float, 16> net(8, 2, rng, small_options());
  const Dataset empty(std::vector<float>{}, std::vector<int>{}, 2, 4, 2);
  CHECK_THROWS_AS(chaosnet::evaluate_accuracy(net, empty), std::invalid_argument);
  CHECK_THROWS_WITH(chaosnet::evaluate_accuracy(net, empty), Catch::Contains("empty"));
  CHECK_THROWS_WITH(chaosnet::evaluate_accuracy(net, Dataset()), Catch::Contains("empty"));
}

TEST_CASE("Trainer: an empty validation set is refused before the first epoch", "[train][trainer]") {
  Rng rng(5);
  Network<float, 16> net(8, 2, rng, small_options());
  chaosnet::Optimizer<float> adam({chaosnet::OptimizerKind::adam, 0.05});
  const Dataset train = halves(64, rng);
  const Dataset empty(std::vector<float>{}, std::vector<int>{}, 2, 4, 2);
  std::size_t epochs_run = 0;
  CHECK_THROWS_WITH(chaosnet::train(net, adam, train, empty, {.epochs = 2}, rng,
                                    [](std::size_t, std::size_t) {},
                                    [&](const chaosnet::EpochStats&) { ++epochs_run; }),
                    Catch::Contains("validation set is empty"));
  CHECK(epochs_run == 0);
}

TEST_CASE("Presets: v01 and v02 build the seeds' starting networks", "[train][presets]") {
  Rng rng(4);
  const auto& v01 = chaosnet::find_preset("v01");
  const auto net01 = chaosnet::build_topology<float>(v01, 784, 10, v01.hidden, rng);
  CHECK(net01.normal_count() == 5000);
  // Every input feeds every leaf; every new node has one incoming and six outgoing edges.
  CHECK(net01.edge_count() == 784 * 10 + 5000 * 7);
  CHECK(net01.check_invariants().empty());
  for (const float w : net01.parameter_values()) CHECK((w >= 0.0f && w < 0.1f));

  const auto& v02 = chaosnet::find_preset("v02");
  const auto net02 = chaosnet::build_topology<float>(v02, 784, 10, 1000, rng);
  CHECK(net02.normal_count() == 1000);
  CHECK(net02.edge_count() > 1000 * 20);
  CHECK(net02.edge_count() < 1000 * 20 + 200);
  CHECK_THROWS_WITH(chaosnet::find_preset("v03"), Catch::Contains("known: v01, v02"));
}
