#pragma once

// What a consistent Topology is, checked from its public view alone: the edits that keep the
// invariants live in the class, the statement of them here. topology.hpp includes this header
// before it defines the class, hence the declaration below.

#include <chaosnet/graph/node.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace chaosnet {

template <class T>
class Topology;

namespace detail {

/// Empty when every invariant of `t` holds, else a description of the first violation: order
/// [inputs | normals | leaves], edges low → high, edge maps consistent both ways, no duplicate
/// edges, every id and slot valid and used once, counts right.
template <class T>
std::string first_violation(const Topology<T>& t) {
  const auto nodes = t.nodes();
  const auto ids = t.parameter_ids();
  std::size_t inputs = 0, normals = 0, leaves = 0, edges = 0;
  std::vector<char> slot_used(ids.size(), 0);
  auto use_slot = [&](ParamSlot slot, const std::string& what) -> std::string {
    if (slot >= ids.size()) return what + " has an out-of-range parameter slot";
    if (ids[slot] == 0) return what + " uses a freed parameter slot";
    if (slot_used[slot] != 0) return what + " shares a parameter slot";
    slot_used[slot] = 1;
    return {};
  };
  for (std::size_t p = 0; p < nodes.size(); ++p) {
    const Node& v = nodes[p];
    const std::string name = "node " + std::to_string(v.id) + " at " + std::to_string(p);
    if (!t.contains(v.id) || t.position(v.id) != p) return name + ": position map is wrong";
    const std::size_t rank = v.kind == NodeKind::input ? 0 : v.kind == NodeKind::normal ? 1 : 2;
    if ((rank == 0 && (normals + leaves) > 0) || (rank == 1 && leaves > 0)) {
      return name + ": kinds out of order";
    }
    (rank == 0 ? inputs : rank == 1 ? normals : leaves)++;
    if ((v.bias != no_param) != t.takes_bias(v.kind)) return name + ": bias present/absent wrongly";
    if (v.bias != no_param) {
      if (auto e = use_slot(v.bias, name + " bias"); !e.empty()) return e;
    }
    if (v.sources.size() != v.weights.size()) return name + ": sources and weights differ";
    if (v.kind == NodeKind::input && !v.sources.empty()) return name + ": an input has sources";
    if (v.kind == NodeKind::leaf && !v.targets.empty()) return name + ": a leaf has targets";
    for (std::size_t i = 0; i < v.sources.size(); ++i) {
      const NodeId s = v.sources[i];
      if (!t.contains(s)) return name + ": source " + std::to_string(s) + " does not exist";
      if (t.position(s) >= p) return name + ": edge from a later node (cycle risk)";
      if (std::count(v.sources.begin(), v.sources.end(), s) != 1) return name + ": duplicate edge";
      const auto& back = nodes[t.position(s)].targets;
      if (std::count(back.begin(), back.end(), v.id) != 1) {
        return name + ": edge map of source " + std::to_string(s) + " disagrees";
      }
      if (auto e = use_slot(v.weights[i], name + " edge weight"); !e.empty()) return e;
      ++edges;
    }
    for (const NodeId target : v.targets) {
      if (!t.contains(target)) return name + ": target " + std::to_string(target) + " does not exist";
      const auto& back = nodes[t.position(target)].sources;
      if (std::count(back.begin(), back.end(), v.id) != 1) {
        return name + ": edge map of target " + std::to_string(target) + " disagrees";
      }
    }
  }
  if (inputs != t.input_count() || normals != t.normal_count() || leaves != t.output_count()) {
    return "node counts are wrong";
  }
  if (edges != t.edge_count()) return "edge count is wrong";
  for (std::size_t slot = 0; slot < ids.size(); ++slot) {
    if (ids[slot] != 0 && slot_used[slot] == 0) return "a live parameter slot is unused";
  }
  std::vector<ParamId> live;
  for (const ParamId id : ids) {
    if (id != 0) live.push_back(id);
  }
  std::sort(live.begin(), live.end());
  if (std::adjacent_find(live.begin(), live.end()) != live.end()) return "a parameter id is reused";
  return {};
}

}  // namespace detail
}  // namespace chaosnet
