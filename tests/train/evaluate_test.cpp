// Accuracy on a dataset: partial last batches count only their real samples, and an empty or
// ill-fitting dataset is refused rather than reported as a number.

#include <support/halves_dataset.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

using chaosnet::Dataset;
using chaosnet::Network;
using chaosnet::Rng;
using chaosnet_test::halves;
using chaosnet_test::small_options;

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
