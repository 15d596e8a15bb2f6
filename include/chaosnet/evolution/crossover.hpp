#pragma once

// NEAT-style crossover (Stanley & Miikkulainen 2002) of two members of an evolving population.
// Nodes align by their stable ids, which members cloned from a common ancestor share, and edges by
// their (from id, to id) pair. The child is the better parent plus part of what only the other
// has: the better parent's nodes, edges, weights and ParamIds all carry over, so its optimizer
// state (keyed by ParamId) fits the child; what comes from the other parent is new to the child
// and gets fresh ParamIds, hence fresh optimizer state.

#include <chaosnet/evolution/mutation.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chaosnet {

/// What one crossover did. Every edge of `other` is counted once in shared_edges,
/// edges_from_other, edges_declined or edges_skipped.
struct CrossoverReport {
  std::size_t shared_nodes = 0;     ///< nodes of `other` that `better` has too (same id and kind)
  std::size_t colliding_nodes = 0;  ///< ids naming a node of another kind in `better`: not merged
  std::size_t nodes_from_other = 0;  ///< Normal nodes of `other` brought over
  std::size_t shared_edges = 0;      ///< edges both parents have: the child keeps better's weight
  std::size_t edges_from_other = 0;  ///< edges of `other` added to the child, with other's weight
  /// Left out by the draws: edges between shared nodes drawn against, and the edges of nodes of
  /// `other` that were not brought over.
  std::size_t edges_declined = 0;
  /// Impossible in the child: an endpoint it has no node for (an input or leaf that `better`
  /// lacks or uses for another kind), or an order that would put the edge backwards.
  std::size_t edges_skipped = 0;
  std::size_t nodes_removed = 0;  ///< dead nodes removed afterwards, the cap's included
  std::size_t edges_capped = 0;   ///< edges removed to get under max_edges, dead nodes' included
};

namespace detail {

/// What became of one node of the other parent.
struct CrossedNode {
  NodeId id = no_node;  ///< its id in the child
  bool shared = false;  ///< the better parent has it; false: it was brought over
};

/// Whether the child may have the edge from → to: Topology::add_edge's rule.
template <class T>
bool edge_fits_order(const Topology<T>& child, NodeId from, NodeId to) {
  return child.node(from).kind != NodeKind::leaf && child.node(to).kind != NodeKind::input &&
         child.position(from) < child.position(to);
}

}  // namespace detail

/// A child of `better` and `other`, two members of one population. It starts as a copy of
/// `better` and then takes from `other`, drawing from `rng` in a fixed order (one draw per
/// candidate node, then one per candidate edge between shared nodes, each in other's order):
/// - each Normal node of `other` that `better` lacks, with probability `take_other`, with its
///   bias and all its edges to nodes the child has (a hidden unit's weights were trained
///   together; half of them would be a different unit). It is placed just after the nearest
///   shared node that precedes it in other's order, or first among the Normal nodes: edits
///   never reorder nodes, so relatives order what they share alike and all its edges fit. It keeps its id unless `better` uses
///   that id for a node of another kind; then it gets a fresh one (never merged);
/// - each edge of `other` between two shared nodes that `better` lacks, with probability
///   `take_other`.
/// An edge that would go backwards in the child's order is skipped. Then the nodes left dead are
/// removed and the cap of `max_edges` edges (0: none) is enforced by smallest |w|. The child has
/// better's inputs, leaves and options, and new ids from above every id either parent uses.
///
/// Ids only align what a common ancestor created: nodes that two lineages added after they split
/// can have the same id and kind and are then taken for one node (the child keeps better's and
/// may take the other's edges of it). Give each lineage its own id range (reserve_node_ids())
/// to prevent that.
template <class T>
Topology<T> crossover(const Topology<T>& better, const Topology<T>& other, Rng& rng,
                      double take_other = 0.5, std::size_t max_edges = 0,
                      CrossoverReport* report = nullptr) {
  if (!(take_other >= 0 && take_other <= 1)) {
    throw std::invalid_argument("chaosnet::crossover: take_other must lie in [0, 1], got " +
                                std::to_string(take_other));
  }
  CrossoverReport r;
  Topology<T> child = better;
  // Fresh ids (for colliding nodes now, for mutations later) then name no node of either parent.
  child.reserve_node_ids(std::max(better.next_node_id(), other.next_node_id()));
  const auto theirs = other.nodes();
  std::unordered_map<NodeId, detail::CrossedNode> crossed;  // by other's id; absent: not in child
  crossed.reserve(theirs.size());
  std::vector<char> left_behind(theirs.size(), 0);  // by other's position

  NodeId after = no_node;  // the child node the next node brought over follows (none: first)
  for (std::size_t p = 0; p < theirs.size(); ++p) {
    const Node& n = theirs[p];
    const bool in_better = child.contains(n.id);
    if (in_better && child.node(n.id).kind == n.kind) {
      crossed[n.id] = {n.id, true};
      ++r.shared_nodes;
      if (n.kind == NodeKind::normal) after = n.id;
      continue;
    }
    if (in_better) ++r.colliding_nodes;
    // Inputs and leaves are the network's interface: the child keeps better's.
    if (n.kind != NodeKind::normal) continue;
    if (!util::bernoulli(rng, take_other)) {
      left_behind[p] = 1;
      continue;
    }
    const std::size_t at = after == no_node ? 0 : child.position(after) - child.input_count() + 1;
    NodeId id = n.id;
    if (in_better) {
      id = child.insert_nodes(NodeKind::normal, 1, at).front();
    } else {
      child.insert_node_with_id(NodeKind::normal, id, at);
    }
    child.set_bias(id, other.bias(n.id));
    crossed[n.id] = {id, false};
    ++r.nodes_from_other;
    after = id;
  }

  // Other's edges by target, then source, in its order: the draws do not depend on how its
  // in-edges happen to be stored.
  std::vector<std::pair<std::size_t, std::size_t>> edges;  // (to, from) positions in other
  edges.reserve(other.edge_count());
  for (std::size_t t = 0; t < theirs.size(); ++t) {
    for (const NodeId s : theirs[t].sources) edges.emplace_back(t, other.position(s));
  }
  std::sort(edges.begin(), edges.end());
  for (const auto& [t, s] : edges) {
    const auto from = crossed.find(theirs[s].id);
    const auto to = crossed.find(theirs[t].id);
    if (from == crossed.end() || to == crossed.end()) {
      ++(left_behind[s] != 0 || left_behind[t] != 0 ? r.edges_declined : r.edges_skipped);
      continue;
    }
    const NodeId f = from->second.id, g = to->second.id;
    if (child.has_edge(f, g)) {
      ++r.shared_edges;
      continue;
    }
    if (!detail::edge_fits_order(child, f, g)) {
      ++r.edges_skipped;
      continue;
    }
    if (from->second.shared && to->second.shared && !util::bernoulli(rng, take_other)) {
      ++r.edges_declined;
      continue;
    }
    child.add_edge(f, g, other.weight(theirs[s].id, theirs[t].id));
    ++r.edges_from_other;
  }

  r.nodes_removed = remove_dead_nodes(child);
  r.edges_capped = enforce_edge_cap(child, max_edges, rng, &r.nodes_removed);
  if (report != nullptr) *report = r;
  return child;
}

}  // namespace chaosnet
