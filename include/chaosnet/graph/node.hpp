#pragma once

#include <chaosnet/util/enum_names.hpp>

#include <cstdint>
#include <limits>
#include <vector>

namespace chaosnet {

/// The three kinds of node (seed v0.2). Inputs carry data, Normal nodes compute
/// mish(bias + Σ w·source), Leaves compute a class logit Σ w·source (+ an optional bias).
enum class NodeKind : std::uint8_t { input, normal, leaf };

/// The names model files use.
constexpr util::EnumTable<NodeKind, 3> enum_names(NodeKind) {
  return {{{NodeKind::input, "input"}, {NodeKind::normal, "normal"}, {NodeKind::leaf, "leaf"}}};
}

/// A node's stable identity: survives insertions and removals of other nodes.
using NodeId = std::uint32_t;
/// A parameter's stable identity (a bias or an edge weight): optimizer state and checkpoints are
/// keyed by it, so they survive mutation. Never reused within a network's lineage.
using ParamId = std::uint64_t;
/// Where a parameter's value currently lives in the parameter vector; changes when the vector is
/// compacted, unlike its ParamId.
using ParamSlot = std::uint32_t;

inline constexpr NodeId no_node = std::numeric_limits<NodeId>::max();
inline constexpr ParamSlot no_param = std::numeric_limits<ParamSlot>::max();

/// One node with its edge maps. Incoming edges are stored with their weight slots (the weighted
/// sum reads them in this order); outgoing edges list the targets only.
struct Node {
  NodeId id = no_node;
  NodeKind kind = NodeKind::normal;
  ParamSlot bias = no_param;       ///< Normal always; Leaf when leaf biases are enabled
  std::vector<NodeId> sources;     ///< incoming edges: source nodes ...
  std::vector<ParamSlot> weights;  ///< ... and their weights, index-aligned with sources
  std::vector<NodeId> targets;     ///< outgoing edges
};

}  // namespace chaosnet
