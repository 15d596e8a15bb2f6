// The training loop: it learns, keeps the best validation epoch, survives a diverging loss, and
// refuses an empty validation set before the first epoch.

#include <support/halves_dataset.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

using chaosnet::Dataset;
using chaosnet::Network;
using chaosnet::Rng;

using chaosnet_test::halves;
using chaosnet_test::small_options;

namespace {
chaosnet::TrainOptions for_epochs(std::size_t count) {
  chaosnet::TrainOptions options;
  options.epochs = count;
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
  const auto result = chaosnet::train(net, adam, train, validation, for_epochs(8), rng,
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
  const auto result = chaosnet::train(net, sgd, train, validation, for_epochs(3), rng,
                                      [](std::size_t, std::size_t) {}, [](const chaosnet::EpochStats&) {});
  CHECK(result.diverged);
  CHECK_THAT(result.message, Catch::Contains("became") && Catch::Contains("smaller learning rate"));
  for (const float w : net.parameter_values()) REQUIRE(std::isfinite(w));
  const std::vector<const float*> rows(16, train.image(0).data());
  const std::vector<int> labels(16, 0);
  CHECK(std::isfinite(net.compute_gradients({rows, labels})));
}

TEST_CASE("Trainer: an empty validation set is refused before the first epoch", "[train][trainer]") {
  Rng rng(5);
  Network<float, 16> net(8, 2, rng, small_options());
  chaosnet::Optimizer<float> adam({chaosnet::OptimizerKind::adam, 0.05});
  const Dataset train = halves(64, rng);
  const Dataset empty(std::vector<float>{}, std::vector<int>{}, 2, 4, 2);
  std::size_t epochs_run = 0;
  CHECK_THROWS_WITH(chaosnet::train(net, adam, train, empty, for_epochs(2), rng,
                                    [](std::size_t, std::size_t) {},
                                    [&](const chaosnet::EpochStats&) { ++epochs_run; }),
                    Catch::Contains("validation set is empty"));
  CHECK(epochs_run == 0);
}
