#pragma once

// Mutation operators from sparse training, after seed v0.2's (mutation.hpp): gradient growth
// (add the absent edges with the largest |∂L/∂w|, RigL, Evci et al. 2020), rewiring at a constant
// edge count (drop the smallest |w|, regrow by |∂L/∂w|), and edge splitting (a new node on a
// parallel path, Net2Net-style, so the network computes the same function right after). Every
// new edge or node gets fresh ParamIds, so its optimizer state starts fresh while everything else
// keeps its own (Lamarckian). At the default rates of 0 mutate_guided() is exactly mutate().

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/evolution/mutation.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/sparse/candidate_gradients.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace chaosnet {

/// The candidate gradients of `net` on the samples `indices` of `data` (whole batches of N, in
/// that order): compute_gradients() on each batch, without any optimizer step, then add(). The
/// loss is the network's NLL; a network set to distil needs teacher rows and is refused.
template <class T, int N>
CandidateGradients<T> candidate_gradients_on(Network<T, N>& net, const Dataset& data,
                                             std::span<const std::uint32_t> indices) {
  if (indices.empty() || indices.size() % static_cast<std::size_t>(N) != 0) {
    throw std::invalid_argument("chaosnet::candidate_gradients_on: " + std::to_string(indices.size()) +
                                " indices are not whole batches of " + std::to_string(N));
  }
  CandidateGradients<T> gradients;
  DatasetBatch<N> batch;
  for (std::size_t first = 0; first < indices.size(); first += static_cast<std::size_t>(N)) {
    batch.fill(data, indices.subspan(first, static_cast<std::size_t>(N)));
    net.compute_gradients(BatchRef{batch.rows(), batch.labels()});
    gradients.add(net);
  }
  return gradients;
}

/// Insert a Normal node n (bias 0) at a random place between `from` and `to` in the topological
/// order, with the edges from → n at the weight of from → to and n → to at weight 0, keeping
/// from → to. The output of `to` does not change (n adds 0 · mish(w·x) to it), while both new
/// edges get gradients once n → to moves off 0. Returns n's id.
template <class T>
NodeId split_edge(Topology<T>& net, NodeId from, NodeId to, Rng& rng) {
  const T weight = net.weight(from, to);  // throws when there is no such edge
  const std::size_t inputs = net.input_count();
  const std::size_t s = net.position(from), t = net.position(to);
  // Indices in the normal block: just after `from` (or first, after an input) up to just before
  // `to` (or last, before a leaf).
  const std::size_t low = s < inputs ? 0 : s - inputs + 1;
  const std::size_t high = std::min(t - inputs, net.normal_count());
  const std::size_t at = low + util::uniform_index(rng, high - low + 1);
  const NodeId node = net.insert_nodes(NodeKind::normal, 1, at).front();
  net.add_edge(from, node, weight);
  net.add_edge(node, to, T(0));
  return node;
}

/// Split up to `count` distinct edges, drawn one after another with probability ∝ |w| among those
/// present now (the new edges are not candidates); stops early when no edge has a weight.
/// Returns how many were split.
template <class T>
std::size_t split_strong_edges(Topology<T>& net, std::size_t count, Rng& rng) {
  struct Weighted {
    NodeId from;
    NodeId to;
    double magnitude;
  };
  std::vector<Weighted> edges;
  const auto values = net.parameter_values();
  for (const Node& n : net.nodes()) {
    for (std::size_t i = 0; i < n.sources.size(); ++i) {
      edges.push_back({n.sources[i], n.id, std::abs(static_cast<double>(values[n.weights[i]]))});
    }
  }
  std::size_t split = 0;
  for (; split < count; ++split) {
    double total = 0;
    for (const Weighted& e : edges) total += e.magnitude;
    if (!(total > 0)) break;
    double u = util::uniform_real(rng, 0.0, total);
    std::size_t pick = 0;
    for (; pick + 1 < edges.size() && !(u < edges[pick].magnitude); ++pick) u -= edges[pick].magnitude;
    // Rounding can run u past the last weighted edge: take the last one that has a weight.
    while (edges[pick].magnitude == 0) --pick;
    split_edge(net, edges[pick].from, edges[pick].to, rng);
    edges[pick].magnitude = 0;  // drawn without replacement
  }
  return split;
}

namespace detail {

/// The `count` edges with the largest |g| that were absent from `recorded` (the network the
/// gradients were recorded on) and that `net`, mutated since, still lacks and can gain (both
/// nodes still there; surviving nodes keep their relative order, so the pair stays allowed), as
/// node ids, strongest first. Fewer when there are not that many.
template <class T>
std::vector<std::pair<NodeId, NodeId>> strongest_still_absent(const CandidateGradients<T>& gradients,
                                                              const Topology<T>& recorded,
                                                              const Topology<T>& net, std::size_t count) {
  std::vector<std::pair<NodeId, NodeId>> out;
  if (count == 0) return out;
  const auto nodes = recorded.nodes();
  // Some of the top candidates may have been added or lost a node since: rank more until enough.
  for (std::size_t ranked = 2 * count;; ranked *= 2) {
    const std::vector<CandidateEdge> best = gradients.strongest(recorded, ranked);
    out.clear();
    for (const CandidateEdge& c : best) {
      const NodeId from = nodes[c.source].id, to = nodes[c.target].id;
      if (!net.contains(from) || !net.contains(to) || net.has_edge(from, to)) continue;
      out.emplace_back(from, to);
      if (out.size() == count) return out;
    }
    if (best.size() < ranked) return out;  // every candidate seen
  }
}

}  // namespace detail

/// One mutation with the operators from sparse training on top of seed v0.2's. `gradients` holds
/// candidate gradients recorded on `net` as it is now (candidate_gradients_on()); without them
/// (nullptr) gradient growth and rewiring are off. All randomness comes from `rng`; a rate of 0
/// draws nothing, so with grow_rate, rewire_rate and split_rate at 0 this is mutate() exactly.
///
/// The order, and why: every additive step puts edges in at weight 0, and a step that removes by
/// smallest |w| after it would take those first. So all removals come before all additions:
///  1. mutate(): v0.2 growth, pruning and the cap, exactly (its pruning is its own business);
///  2. rewiring drops the smallest-|w| edges (⌊E · p_w⌋, E the edges after step 1);
///  3. splitting adds ⌊E · p_s⌋ new nodes, two edges each, at most as many as fit under the cap;
///  4. the rewired count plus ⌊E · p_g⌋ (at most what still fits under the cap) are regrown, the
///     absent edges of largest |g| at weight 0. The gradients were recorded on the nodes before
///     step 1, so the candidates are ranked on a copy of the network taken then and kept if both
///     nodes survive and the edge is still absent (an edge present when recording, e.g. one just
///     dropped, is not regrown);
///  5. nodes the drop left dead are removed (they would get no gradient).
/// The cap `max_edges` (0: none) holds at the end without removing anything new.
template <class T>
MutationReport mutate_guided(Topology<T>& net, const MutationOptions& options, Rng& rng,
                             std::size_t max_edges,
                             const std::type_identity_t<CandidateGradients<T>>* gradients) {
  check_mutation_options(options);
  const bool rewire = gradients != nullptr && options.rewire_rate > 0;
  const bool grow = gradients != nullptr && options.grow_rate > 0;
  std::optional<Topology<T>> recorded;
  if (rewire || grow) {
    (void)gradients->strongest(net, 0);  // throws, before any edit, if recorded on other nodes
    recorded.emplace(net);
  }

  MutationReport report = mutate(net, options, rng, max_edges);
  const std::size_t edges = net.edge_count();
  // Edges that may still be added on top of `edges` (the rewired ones come back on their own).
  std::size_t room = max_edges == 0 ? std::numeric_limits<std::size_t>::max() : max_edges - edges;

  std::size_t dropped = 0;
  if (rewire) {
    dropped = remove_edges(net, detail::mutation_amount(edges, options.rewire_rate, rng),
                           EdgeRemoval::smallest_magnitude, rng);
  }
  if (options.split_rate > 0) {
    const std::size_t splits = std::min(detail::mutation_amount(edges, options.split_rate, rng), room / 2);
    report.nodes_split = split_strong_edges(net, splits, rng);
    room -= max_edges == 0 ? 0 : 2 * report.nodes_split;
  }
  if (rewire || grow) {
    const std::size_t extra = grow ? std::min(detail::mutation_amount(edges, options.grow_rate, rng), room) : 0;
    const auto added = detail::strongest_still_absent(*gradients, *recorded, net, dropped + extra);
    for (const auto& [from, to] : added) net.add_edge(from, to, T(0));
    report.edges_rewired = std::min(dropped, added.size());
    report.edges_grown = added.size() - report.edges_rewired;
  }
  if (dropped > 0) report.nodes_removed += remove_dead_nodes(net);
  return report;
}

}  // namespace chaosnet
