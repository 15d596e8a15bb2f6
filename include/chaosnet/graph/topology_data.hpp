#pragma once

// The plain data of a topology: the settings it is built and grown with, and a description of
// it with ids and values exactly, which model files and checkpoints store. Topology
// (topology.hpp) converts both ways and checks a description before it trusts it.

#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/weight_init.hpp>

#include <cstddef>
#include <vector>

namespace chaosnet {

/// Construction and growth settings of a topology.
struct TopologyOptions {
  WeightInit init = WeightInit::fan_in();
  bool leaf_bias = false;     ///< give leaves a bias (the seeds' leaves had none)
  double input_edges = 100;   ///< initial input→leaf edges: probability input_edges/inputs each
  std::size_t new_node_edges_in = 10;   ///< incoming edges of each node add_nodes() creates
  std::size_t new_node_edges_out = 10;  ///< outgoing edges of each node add_nodes() creates
};

/// Plain description of a topology, for model files and checkpoints: ids and values exactly.
template <class T>
struct TopologyData {
  struct NodeData {
    NodeId id;
    NodeKind kind;
    bool has_bias;
    T bias;
    ParamId bias_id;
  };
  struct EdgeData {
    NodeId from;
    NodeId to;
    T weight;
    ParamId id;
  };
  TopologyOptions options;
  std::vector<NodeData> nodes;  ///< in topological order
  std::vector<EdgeData> edges;  ///< grouped by target, in each target's input order
  NodeId next_node_id = 0;
  ParamId next_param_id = 1;
};

}  // namespace chaosnet
