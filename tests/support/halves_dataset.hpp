#pragma once

// The small two-class dataset and network options the train tests share: 8-pixel images whose
// brighter half is the class, with noise, and a network small enough to train in milliseconds.

#include <chaosnet/chaosnet.hpp>

#include <cstddef>
#include <utility>
#include <vector>

namespace chaosnet_test {

/// Two classes separable by which half of an 8-pixel image is brighter, with noise.
inline chaosnet::Dataset halves(std::size_t count, chaosnet::Rng& rng) {
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
  return chaosnet::Dataset(std::move(pixels), std::move(labels), 2, 4, 2);
}

inline chaosnet::TopologyOptions small_options() {
  chaosnet::TopologyOptions options;
  options.input_edges = 8;
  options.new_node_edges_in = 3;
  options.new_node_edges_out = 3;
  options.leaf_bias = true;
  return options;
}

}  // namespace chaosnet_test
