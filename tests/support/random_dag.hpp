#pragma once

// Small random DAGs and batches for network tests: every kind of node, edges of all kinds
// (input→leaf, input→normal, normal→normal, normal→leaf), random non-zero biases and weights.

#include <chaosnet/chaosnet.hpp>

#include <array>
#include <cstddef>
#include <vector>

namespace chaosnet_test {

struct DagShape {
  std::size_t inputs = 6;
  std::size_t outputs = 3;
  std::size_t normals = 8;
  std::size_t extra_edges = 12;
  bool leaf_bias = true;
};

template <class Net>
Net random_dag(chaosnet::Rng& rng, const DagShape& shape = {}) {
  chaosnet::TopologyOptions options;
  options.leaf_bias = shape.leaf_bias;
  options.input_edges = static_cast<double>(shape.inputs);  // every input gets a leaf edge
  options.new_node_edges_in = 3;
  options.new_node_edges_out = 3;
  options.init = chaosnet::WeightInit::uniform(-1.0, 1.0);
  Net net(shape.inputs, shape.outputs, rng, options);
  chaosnet::add_nodes(net, chaosnet::NodeKind::normal, shape.normals, rng);
  chaosnet::add_random_edges(net, shape.extra_edges, rng);
  return net;
}

/// N samples of `features` values in [0, 1) and labels in [0, classes), as BatchRef wants them.
template <int N>
struct RandomBatch {
  std::vector<float> pixels;
  std::array<const float*, static_cast<std::size_t>(N)> rows{};
  std::array<int, static_cast<std::size_t>(N)> labels{};

  RandomBatch(chaosnet::Rng& rng, std::size_t features, std::size_t classes)
      : pixels(features * static_cast<std::size_t>(N)) {
    for (float& p : pixels) p = static_cast<float>(chaosnet::util::uniform_unit(rng));
    for (std::size_t k = 0; k < rows.size(); ++k) {
      rows[k] = pixels.data() + k * features;
      labels[k] = static_cast<int>(chaosnet::util::uniform_index(rng, classes));
    }
  }
  [[nodiscard]] chaosnet::BatchRef ref() const { return {rows, labels}; }
};

}  // namespace chaosnet_test
