#pragma once

// Named training setups. Each is data: how to build the starting network and how to train it.
//   v01 — seed 000 (Chaos Network v0.1) with correct gradients: a full input→leaf layer plus
//         5,000 random mish nodes, SGD 0.0025, batch 1, the first 10,000 images per epoch.
//         Two choices of ours, each worth about 0.1–0.2% test accuracy in our runs: leaves have
//         a bias, and the 10,000 images are reshuffled every epoch instead of kept in file order.
//   v02 — seed 001 (v0.2) single network: Network(784, 10) grown with --hidden normal nodes
//         (10 in + 10 out random edges each), batch 32.

#include <chaosnet/util/named_list.hpp>
#include <chaosnet/util/random.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/train/optimizer.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chaosnet {

struct Preset {
  std::string_view name;
  std::string_view description;
  TopologyOptions topology;
  bool connect_every_input_to_every_leaf = false;
  std::size_t hidden = 0;  ///< Normal nodes added at construction (overridable: --hidden)
  OptimizerKind optimizer = OptimizerKind::sgd;
  double sgd_learning_rate = 0.01;
  double adam_learning_rate = 1e-3;
  /// Adam's ε. Large enough here that weights deep in long random chains, whose gradients are
  /// tiny, move like under SGD instead of by a full learning rate per step, which we measured
  /// to wreck training (v02: 45% with ε = 1e-8, 96% with ε = 1e-4 after 2 epochs).
  double adam_epsilon = 1e-8;
  int batch = 32;
  std::size_t epochs = 5;
  std::size_t samples_per_epoch = 0;  ///< 0: the whole training split
  bool shuffle = true;

  [[nodiscard]] double learning_rate(OptimizerKind kind) const {
    return kind == OptimizerKind::sgd ? sgd_learning_rate : adam_learning_rate;
  }
};

inline const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = [] {
    Preset v01;
    v01.name = "v01";
    v01.description = "seed 000: 784x10 input-leaf layer + 5000 mish nodes (1 in, 6 out), "
                      "U[0,0.1) init, leaf biases, SGD 0.0025, batch 1, the first 10,000 images "
                      "reshuffled each epoch, 20 epochs";
    v01.topology.leaf_bias = true;
    v01.topology.init = WeightInit::uniform(0.0, 0.1);
    v01.topology.input_edges = 0;
    v01.topology.new_node_edges_in = 1;
    v01.topology.new_node_edges_out = 6;
    v01.connect_every_input_to_every_leaf = true;
    v01.hidden = 5000;
    v01.optimizer = OptimizerKind::sgd;
    v01.sgd_learning_rate = 0.0025;
    v01.batch = 1;
    v01.epochs = 20;
    v01.samples_per_epoch = 10000;
    v01.shuffle = true;

    Preset v02;
    v02.name = "v02";
    v02.description = "seed 001: Network(784, 10) with ~100 input-leaf edges, grown with --hidden "
                      "mish nodes (10 in, 10 out random edges each), batch 32";
    v02.topology.init = WeightInit::fan_in(1.0);
    v02.topology.leaf_bias = true;
    v02.hidden = 1000;
    v02.optimizer = OptimizerKind::sgd;
    v02.sgd_learning_rate = 0.01;
    v02.adam_learning_rate = 3e-3;
    v02.adam_epsilon = 1e-4;
    v02.batch = 32;
    v02.epochs = 5;
    return std::vector<Preset>{v01, v02};
  }();
  return all;
}

/// The names of presets(), in order (for a CLI's list of accepted values).
inline std::vector<std::string> preset_names() { return util::names_of(presets()); }

/// The preset called `name`; std::invalid_argument listing the known ones if there is none.
inline const Preset& find_preset(std::string_view name) {
  return util::find_named(presets(), name, "preset");
}

/// The starting network of a preset for `inputs` features and `outputs` classes, with `hidden`
/// normal nodes.
template <class T>
Topology<T> build_topology(const Preset& preset, std::size_t inputs, std::size_t outputs,
                           std::size_t hidden, Rng& rng) {
  Topology<T> net(inputs, outputs, rng, preset.topology);
  if (preset.connect_every_input_to_every_leaf) {
    std::vector<NodeId> input_ids, leaf_ids;  // no normals yet: every node is one or the other
    for (const Node& n : net.nodes()) {
      (n.kind == NodeKind::input ? input_ids : leaf_ids).push_back(n.id);
    }
    for (const NodeId in : input_ids) {
      for (const NodeId leaf : leaf_ids) {
        if (!net.has_edge(in, leaf)) {
          net.add_edge(in, leaf, static_cast<T>(preset.topology.init.weight(rng, inputs)));
        }
      }
    }
  }
  if (hidden > 0) add_nodes(net, NodeKind::normal, hidden, rng);
  return net;
}

}  // namespace chaosnet
