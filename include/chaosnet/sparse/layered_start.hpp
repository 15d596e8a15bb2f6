#pragma once

// The network sparse training starts from: inputs → hidden layer 1 → … → leaves, each pair of
// consecutive layers joined by random edges at the Erdős–Rényi density of Mocanu et al. (2018)
// as RigL scales it, density ∝ (n_in + n_out)/(n_in·n_out), capped at 1, so small layers stay
// comparatively dense and the input side is the sparsest (Sparse VD ends with 38% of the output
// layer and 1.1% of the input layer). The layers are only the start: rewiring may add any edge
// the order allows (skips, edges between later hidden nodes), so it becomes a general DAG.

#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/graph/weight_init.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

struct LayeredStart {
  std::vector<std::size_t> hidden = {300, 100};  ///< nodes per hidden layer (LeNet-300-100)
  std::size_t edges = 0;  ///< total edges; at most the dense count
  /// Weights U(±scale/√fan_in) of each node's actual fan-in (PyTorch's Linear default at 1).
  double init_scale = 1.0;
};

/// Edges per pair of consecutive layers, summing to `edges`: density ε·(n_in + n_out)/(n_in·n_out)
/// with ε solved so the total matches, layers that would exceed density 1 made dense.
inline std::vector<std::size_t> erdos_renyi_edges(const std::vector<std::size_t>& widths, std::size_t edges) {
  const std::size_t pairs = widths.size() - 1;
  std::vector<double> dense(pairs), raw(pairs);
  for (std::size_t l = 0; l < pairs; ++l) {
    dense[l] = static_cast<double>(widths[l]) * static_cast<double>(widths[l + 1]);
    raw[l] = static_cast<double>(widths[l] + widths[l + 1]);  // ε·raw = edges of that pair
  }
  const double all = std::accumulate(dense.begin(), dense.end(), 0.0);
  if (static_cast<double>(edges) > all) {
    throw std::invalid_argument("chaosnet::layered_start: " + std::to_string(edges) +
                                " edges do not fit layers with " + std::to_string(static_cast<std::size_t>(all)) +
                                " possible edges; add hidden nodes or ask for fewer edges");
  }
  std::vector<char> full(pairs, 0);
  std::vector<std::size_t> out(pairs, 0);
  for (bool changed = true; changed;) {  // at most `pairs` rounds: each makes one more layer dense
    changed = false;
    double left = static_cast<double>(edges), weight = 0;
    for (std::size_t l = 0; l < pairs; ++l) {
      if (full[l]) {
        left -= dense[l];
      } else {
        weight += raw[l];
      }
    }
    const double epsilon = weight > 0 ? left / weight : 0;
    for (std::size_t l = 0; l < pairs; ++l) {
      if (!full[l] && epsilon * raw[l] > dense[l]) full[l] = changed = true;
    }
    if (!changed) {
      for (std::size_t l = 0; l < pairs; ++l) {
        out[l] = static_cast<std::size_t>(full[l] ? dense[l] : std::floor(epsilon * raw[l]));
      }
    }
  }
  // Rounding down leaves a few edges over: give them to the layers with room, first to last.
  std::size_t total = std::accumulate(out.begin(), out.end(), std::size_t{0});
  for (std::size_t l = 0; l < pairs && total < edges; ++l) {
    const std::size_t room = static_cast<std::size_t>(dense[l]) - out[l];
    const std::size_t add = std::min(room, edges - total);
    out[l] += add;
    total += add;
  }
  return out;
}

/// A topology with `inputs` inputs, the hidden layers of `start` and `outputs` leaves (with
/// biases), its edges drawn uniformly within each pair of consecutive layers.
template <class T>
Topology<T> layered_start(std::size_t inputs, std::size_t outputs, const LayeredStart& start, Rng& rng) {
  TopologyOptions options;
  options.leaf_bias = true;
  options.init = WeightInit::fan_in(start.init_scale);
  Topology<T> net(inputs, outputs, options);
  std::vector<std::size_t> widths{inputs};
  widths.insert(widths.end(), start.hidden.begin(), start.hidden.end());
  widths.push_back(outputs);
  const std::size_t hidden = std::accumulate(start.hidden.begin(), start.hidden.end(), std::size_t{0});
  const std::vector<NodeId> normal_ids = net.insert_nodes(NodeKind::normal, hidden, 0);
  // Layer l's node ids, in position order.
  std::vector<std::vector<NodeId>> layers(widths.size());
  for (const Node& n : net.nodes()) {
    if (n.kind == NodeKind::input) layers.front().push_back(n.id);
    if (n.kind == NodeKind::leaf) layers.back().push_back(n.id);
  }
  std::size_t next = 0;
  for (std::size_t l = 0; l < start.hidden.size(); ++l) {
    layers[l + 1].assign(normal_ids.begin() + static_cast<std::ptrdiff_t>(next),
                         normal_ids.begin() + static_cast<std::ptrdiff_t>(next + start.hidden[l]));
    next += start.hidden[l];
  }
  const std::vector<std::size_t> per_pair = erdos_renyi_edges(widths, start.edges);
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    // A partial Fisher–Yates shuffle of the pair indices picks per_pair[l] distinct edges.
    std::vector<std::size_t> cells(widths[l] * widths[l + 1]);
    std::iota(cells.begin(), cells.end(), std::size_t{0});
    for (std::size_t i = 0; i < per_pair[l]; ++i) {
      std::swap(cells[i], cells[i + util::uniform_index(rng, cells.size() - i)]);
      net.add_edge(layers[l][cells[i] % widths[l]], layers[l + 1][cells[i] / widths[l]], T(0));
    }
  }
  // Weights last, once every fan-in is known (fan-in init: biases 0, no draws for them).
  redraw_parameters(net, options.init, rng);
  return net;
}

}  // namespace chaosnet
