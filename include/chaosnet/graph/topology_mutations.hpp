#pragma once

// The random operators that grow and prune a topology as seed v0.2 did: new Normal nodes wired
// at random, random edges, edge removal (random or by magnitude) and removal of the nodes left
// dead. Free functions on Topology's public edits, so they keep its invariants; all randomness
// comes from the Rng passed in, drawn in a fixed order (a seed gives the same network).

#include <chaosnet/util/enum_names.hpp>
#include <chaosnet/util/random.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/weight_init.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace chaosnet {

/// How remove_edges() chooses the edges to remove.
enum class EdgeRemoval {
  random,              ///< uniformly among all edges
  smallest_magnitude,  ///< the edges with the smallest |w| (magnitude pruning)
};

/// As checkpoints and the CLI spell the policies.
constexpr util::EnumTable<EdgeRemoval, 2> enum_names(EdgeRemoval) {
  return {{{EdgeRemoval::random, "random"}, {EdgeRemoval::smallest_magnitude, "smallest"}}};
}

namespace detail {

/// The edges one operator adds at random. They are added with weight 0 and their weights drawn
/// at the end, in the order the edges were added, once every target's final fan-in is known
/// (fan_in_scaled needs it).
template <class T>
class RandomEdges {
 public:
  explicit RandomEdges(Topology<T>& net) : net_(net) {}

  /// An edge from position s to a random later normal or leaf it is not yet connected to.
  bool connect_to_target(std::size_t s, Rng& rng) {
    const auto nodes = net_.nodes();
    if (nodes[s].kind == NodeKind::leaf) return false;
    const std::size_t low = std::max(s + 1, net_.input_count());
    if (low >= nodes.size()) return false;
    for (int attempt = 0; attempt < max_tries; ++attempt) {
      const std::size_t t = low + util::uniform_index(rng, nodes.size() - low);
      if (try_connect(s, t)) return true;
    }
    return false;
  }
  /// An edge into position t from a random earlier input or normal not yet connected to it.
  bool connect_from_source(std::size_t t, Rng& rng) {
    const std::size_t high = std::min(t, net_.input_count() + net_.normal_count());
    if (high == 0) return false;
    for (int attempt = 0; attempt < max_tries; ++attempt) {
      if (try_connect(util::uniform_index(rng, high), t)) return true;
    }
    return false;
  }
  void draw_weights(Rng& rng) {
    const auto nodes = net_.nodes();
    const auto values = net_.parameter_values();
    const WeightInit& init = net_.options().init;
    for (const auto& [slot, target] : added_) {
      values[slot] = static_cast<T>(init.weight(rng, nodes[target].sources.size()));
    }
    added_.clear();
  }

 private:
  static constexpr int max_tries = 1000;  // the seed's give-up limit for finding a new edge

  bool try_connect(std::size_t s, std::size_t t) {
    const auto nodes = net_.nodes();
    if (net_.has_edge(nodes[s].id, nodes[t].id)) return false;
    added_.emplace_back(net_.add_edge(nodes[s].id, nodes[t].id, T(0)), t);
    return true;
  }

  Topology<T>& net_;
  std::vector<std::pair<ParamSlot, std::size_t>> added_;  ///< weight slot, target position
};

}  // namespace detail

/// Add `count` nodes of a kind. Inputs go to the end of the input block and leaves to the end,
/// both without edges. Normal nodes are inserted together at one random place in the normal
/// block (seed v0.2) and each gets options().new_node_edges_out random outgoing and
/// new_node_edges_in random incoming edges, respecting the order and never duplicating an
/// edge (a node near the end may get fewer when there are no candidates left). Biases are drawn
/// from options().init. Returns the new ids in position order.
template <class T>
std::vector<NodeId> add_nodes(Topology<T>& net, NodeKind kind, std::size_t count, Rng& rng) {
  std::size_t at = 0;
  switch (kind) {
    case NodeKind::input: at = net.input_count(); break;
    case NodeKind::leaf: at = net.output_count(); break;
    case NodeKind::normal: at = util::uniform_index(rng, net.normal_count() + 1); break;
  }
  const std::vector<NodeId> ids = net.insert_nodes(kind, count, at);
  const TopologyOptions& options = net.options();
  for (const NodeId id : ids) {
    if (net.node(id).bias != no_param) net.set_bias(id, static_cast<T>(options.init.bias(rng)));
  }
  if (kind == NodeKind::normal) {
    detail::RandomEdges<T> edges(net);
    const std::size_t rounds = std::max(options.new_node_edges_in, options.new_node_edges_out);
    for (const NodeId id : ids) {
      for (std::size_t r = 0; r < rounds; ++r) {
        if (r < options.new_node_edges_out) edges.connect_to_target(net.position(id), rng);
        if (r < options.new_node_edges_in) edges.connect_from_source(net.position(id), rng);
      }
    }
    edges.draw_weights(rng);
  }
  return ids;
}

/// Add up to `count` random edges: a random source (input or normal), then a random later
/// target (normal or leaf) it is not yet connected to. Returns how many were added.
template <class T>
std::size_t add_random_edges(Topology<T>& net, std::size_t count, Rng& rng) {
  const std::size_t sources = net.input_count() + net.normal_count();
  detail::RandomEdges<T> edges(net);
  std::size_t added = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (edges.connect_to_target(util::uniform_index(rng, sources), rng)) ++added;
  }
  edges.draw_weights(rng);
  return added;
}

/// Remove up to `count` edges chosen by `policy`; returns how many were removed. Draws from
/// `rng` only for EdgeRemoval::random.
template <class T>
std::size_t remove_edges(Topology<T>& net, std::size_t count, EdgeRemoval policy, Rng& rng) {
  struct Candidate {
    std::size_t target;
    NodeId source;
    T magnitude;
  };
  const auto nodes = net.nodes();
  const auto values = net.parameter_values();
  std::vector<Candidate> edges;
  edges.reserve(net.edge_count());
  for (std::size_t p = 0; p < nodes.size(); ++p) {
    const Node& n = nodes[p];
    for (std::size_t i = 0; i < n.sources.size(); ++i) {
      edges.push_back({p, n.sources[i], std::abs(values[n.weights[i]])});
    }
  }
  count = std::min(count, edges.size());
  if (policy == EdgeRemoval::random) {
    for (std::size_t i = 0; i < count; ++i) {
      std::swap(edges[i], edges[i + util::uniform_index(rng, edges.size() - i)]);
    }
  } else {
    // Ties broken by position so the choice does not depend on the sort implementation.
    std::partial_sort(edges.begin(), edges.begin() + static_cast<std::ptrdiff_t>(count),
                      edges.end(), [&](const Candidate& a, const Candidate& b) {
                        if (a.magnitude != b.magnitude) return a.magnitude < b.magnitude;
                        if (a.target != b.target) return a.target < b.target;
                        return net.position(a.source) < net.position(b.source);
                      });
  }
  for (std::size_t i = 0; i < count; ++i) net.remove_edge(edges[i].source, nodes[edges[i].target].id);
  return count;
}

/// Remove every Normal node that can no longer reach a leaf or that no input can reach,
/// with all its edges. One pass is exact: a node upstream of a live node is live itself.
/// Returns how many nodes were removed.
template <class T>
std::size_t remove_dead_nodes(Topology<T>& net) {
  const auto nodes = net.nodes();
  const std::size_t n = nodes.size();
  std::vector<char> from_input(n, 0), to_leaf(n, 0);
  for (std::size_t p = 0; p < n; ++p) {
    const Node& v = nodes[p];
    from_input[p] = v.kind == NodeKind::input ||
                    std::any_of(v.sources.begin(), v.sources.end(),
                                [&](NodeId s) { return from_input[net.position(s)] != 0; });
  }
  for (std::size_t p = n; p-- > 0;) {
    const Node& v = nodes[p];
    to_leaf[p] = v.kind == NodeKind::leaf ||
                 std::any_of(v.targets.begin(), v.targets.end(),
                             [&](NodeId t) { return to_leaf[net.position(t)] != 0; });
  }
  std::vector<NodeId> dead;
  for (std::size_t p = 0; p < n; ++p) {
    if (nodes[p].kind == NodeKind::normal && (from_input[p] == 0 || to_leaf[p] == 0)) {
      dead.push_back(nodes[p].id);
    }
  }
  net.remove_nodes(dead);
  return dead.size();
}

/// Draw every weight and bias afresh from `init` (each weight by its target's fan-in), nodes in
/// position order: the same edges with new parameters, e.g. to retrain an evolved topology from
/// scratch. Biases of nodes without one stay absent.
template <class T>
void redraw_parameters(Topology<T>& net, const WeightInit& init, Rng& rng) {
  const auto values = net.parameter_values();
  for (const Node& n : net.nodes()) {
    if (n.bias != no_param) values[n.bias] = static_cast<T>(init.bias(rng));
    for (const ParamSlot w : n.weights) values[w] = static_cast<T>(init.weight(rng, n.sources.size()));
  }
}

}  // namespace chaosnet
