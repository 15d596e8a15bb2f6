#pragma once

// Accuracy of a network on a dataset, with the no-record inference path.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/graph/network.hpp>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace chaosnet {

/// Throws std::invalid_argument unless the dataset has samples (an accuracy of no samples would
/// read as 0%) and the network's inputs and outputs fit its features and classes.
template <class T>
void check_fits(const Topology<T>& net, const Dataset& data, const std::string& what) {
  if (data.empty()) {
    throw std::invalid_argument("the " + what + " set is empty; it needs at least one sample");
  }
  if (net.input_count() != data.features() ||
      net.output_count() != static_cast<std::size_t>(data.classes())) {
    throw std::invalid_argument("the network has " + std::to_string(net.input_count()) +
                                " inputs and " + std::to_string(net.output_count()) +
                                " outputs, but the " + what + " set has " +
                                std::to_string(data.features()) + " features and " +
                                std::to_string(data.classes()) + " classes");
  }
}

/// Fraction of samples of `data` whose predicted class equals the label. Throws
/// std::invalid_argument for an empty dataset and for one the network does not fit.
template <class T, int N>
double evaluate_accuracy(Network<T, N>& net, const Dataset& data) {
  check_fits(net, data, "evaluation");
  std::size_t correct = 0;
  DatasetBatch<N> batch;
  for (std::size_t first = 0; first < data.size(); first += static_cast<std::size_t>(N)) {
    batch.fill_range(data, first);
    const auto predicted = net.predict(batch.rows());
    const std::size_t real = std::min(static_cast<std::size_t>(N), data.size() - first);
    for (std::size_t k = 0; k < real; ++k) {
      if (predicted[k] == data.label(first + k)) ++correct;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

}  // namespace chaosnet
