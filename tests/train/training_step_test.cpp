// training_step: the same update as compute_gradients + Optimizer::step on a finite loss, and
// nothing touched (parameters, optimizer state) on a non-finite one.

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using chaosnet::Dataset;
using chaosnet::DatasetBatch;
using chaosnet::Network;
using chaosnet::Optimizer;
using chaosnet::Rng;
using chaosnet::StepOutcome;

namespace {

Dataset ramp(std::size_t count) {
  std::vector<float> pixels;
  std::vector<int> labels;
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t p = 0; p < 8; ++p) pixels.push_back(static_cast<float>((i * 7 + p) % 10) / 10.0f);
    labels.push_back(static_cast<int>(i % 2));
  }
  return Dataset(std::move(pixels), std::move(labels), 2, 4, 2);
}

Network<float, 16> small_network() {
  Rng rng(11);
  chaosnet::TopologyOptions options;
  options.input_edges = 8;
  options.new_node_edges_in = 3;
  options.new_node_edges_out = 3;
  Network<float, 16> net(8, 2, rng, options);
  chaosnet::add_nodes(net, chaosnet::NodeKind::normal, 5, rng);
  return net;
}

std::vector<float> values(const Network<float, 16>& net) {
  const auto p = net.parameter_values();
  return {p.begin(), p.end()};
}

std::vector<std::uint32_t> first_indices() {
  std::vector<std::uint32_t> indices(16);
  for (std::uint32_t k = 0; k < 16; ++k) indices[k] = 15 - k;
  return indices;
}

}  // namespace

TEST_CASE("training_step: a finite step is compute_gradients then Optimizer::step",
          "[train][training_step]") {
  const Dataset data = ramp(32);
  DatasetBatch<16> batch;
  batch.fill(data, first_indices());
  Network<float, 16> a = small_network(), b = small_network();
  Optimizer<float> adam_a({chaosnet::OptimizerKind::adam, 0.01}), adam_b = adam_a;
  int hooks = 0;
  for (int step = 0; step < 3; ++step) {
    const auto result = chaosnet::training_step(a, adam_a, batch, [&] { ++hooks; });
    CHECK(result.stepped());
    const float loss = b.compute_gradients({batch.rows(), batch.labels()});
    adam_b.step(b, b.gradients());
    CHECK(result.loss == loss);
  }
  CHECK(hooks == 3);
  CHECK(values(a) == values(b));
  CHECK(adam_a.steps() == 3);
}

TEST_CASE("training_step: a NaN loss is refused and the parameters are left untouched",
          "[train][training_step]") {
  Dataset data = ramp(16);
  std::vector<float> pixels(data.pixels().begin(), data.pixels().end());
  pixels[3] = std::numeric_limits<float>::quiet_NaN();
  const Dataset poisoned(std::move(pixels), std::vector<int>(data.labels().begin(), data.labels().end()),
                         2, 4, 2);
  DatasetBatch<16> clean, batch;
  clean.fill(data, first_indices());
  batch.fill(poisoned, first_indices());
  Network<float, 16> net = small_network();
  // The first recording puts the parameters in their slots: compare slot by slot after it.
  net.compute_gradients({clean.rows(), clean.labels()});
  Optimizer<float> adam({chaosnet::OptimizerKind::adam, 0.01});
  const std::vector<float> before = values(net);
  bool hooked = false;
  const auto result = chaosnet::training_step(net, adam, batch, [&] { hooked = true; });
  CHECK(result.outcome == StepOutcome::non_finite_loss);
  CHECK_FALSE(result.stepped());
  CHECK(std::isnan(result.loss));
  CHECK_FALSE(hooked);
  CHECK(values(net) == before);
  CHECK(adam.steps() == 0);
}
