#pragma once

// Rewiring at a fixed edge count (the SET/RigL family): drop the edges with the smallest |w|,
// then add as many absent edges, chosen by the largest candidate gradient |g| (RigL, Evci et al.
// 2020) or uniformly at random (SET, Mocanu et al. 2018; kept for comparison). New edges start
// at weight 0, so the function the network computes does not jump, and with fresh optimizer
// state (Optimizer keys state by ParamId, and new edges have new ids).

#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/sparse/candidate_gradients.hpp>
#include <chaosnet/util/enum_names.hpp>
#include <chaosnet/util/random.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <unordered_set>
#include <vector>

namespace chaosnet {

/// How rewiring chooses the edges it adds.
enum class Regrowth { gradient, random };

/// As the CLI and result files spell them.
constexpr util::EnumTable<Regrowth, 2> enum_names(Regrowth) {
  return {{{Regrowth::gradient, "gradient"}, {Regrowth::random, "random"}}};
}

/// Remove the incoming edges of every Normal node that reaches no leaf. Such edges get no
/// gradient, so they would keep their weights and spend budget for nothing; the nodes stay, so
/// regrowth can use them again. Returns how many edges were removed.
template <class T>
std::size_t remove_edges_into_dead_ends(Topology<T>& net) {
  const auto nodes = net.nodes();
  std::vector<char> reaches_leaf(nodes.size(), 0);
  std::vector<std::pair<NodeId, NodeId>> doomed;
  for (std::size_t p = nodes.size(); p-- > 0;) {
    const Node& v = nodes[p];
    reaches_leaf[p] = v.kind == NodeKind::leaf ||
                      std::any_of(v.targets.begin(), v.targets.end(),
                                  [&](NodeId t) { return reaches_leaf[net.position(t)] != 0; });
    if (v.kind == NodeKind::normal && reaches_leaf[p] == 0) {
      for (const NodeId s : v.sources) doomed.emplace_back(s, v.id);
    }
  }
  for (const auto& [from, to] : doomed) net.remove_edge(from, to);
  return doomed.size();
}

/// Up to `k` distinct edges absent from `net` that it may gain, uniformly at random among all
/// of them (rejection sampling over source × target positions), with gradient 0.
template <class T>
std::vector<CandidateEdge> random_candidates(const Topology<T>& net, std::size_t k, Rng& rng) {
  const auto nodes = net.nodes();
  const std::size_t sources = net.input_count() + net.normal_count();
  const std::size_t first_target = net.input_count();
  const std::size_t targets = nodes.size() - first_target;
  std::vector<CandidateEdge> out;
  std::unordered_set<std::uint64_t> chosen;
  // Most draws are accepted (a sparse network lacks most allowed pairs); the cap only stops a
  // nearly complete graph from looping for long.
  const std::size_t max_draws = 100 * k + 1000;
  for (std::size_t draw = 0; draw < max_draws && out.size() < k; ++draw) {
    const std::size_t s = util::uniform_index(rng, sources);
    const std::size_t t = first_target + util::uniform_index(rng, targets);
    if (s >= t || net.has_edge(nodes[s].id, nodes[t].id)) continue;
    if (!chosen.insert(static_cast<std::uint64_t>(s) * nodes.size() + t).second) continue;
    out.push_back({s, t, 0.0});
  }
  return out;
}

/// Add every candidate (by position) with weight 0; returns how many were added.
template <class T>
std::size_t add_candidate_edges(Topology<T>& net, std::span<const CandidateEdge> candidates) {
  // Positions to ids before any edit, so the lookup does not rely on edits keeping positions.
  std::vector<std::pair<NodeId, NodeId>> edges;
  const auto nodes = net.nodes();
  for (const CandidateEdge& c : candidates) edges.emplace_back(nodes[c.source].id, nodes[c.target].id);
  for (const auto& [from, to] : edges) net.add_edge(from, to, T(0));
  return edges.size();
}

struct RewireCount {
  std::size_t dropped = 0;
  std::size_t grown = 0;
};

/// Drop `count` edges (first those into dead ends, then the smallest |w|) and grow as many
/// absent ones at weight 0: by the largest |g| of `candidates` (recorded on this network's
/// nodes) or at random. A just-dropped edge may be regrown when its gradient says so.
template <class T>
RewireCount rewire(Topology<T>& net, std::size_t count, Regrowth regrowth,
                   const CandidateGradients<T>& candidates, Rng& rng) {
  RewireCount done;
  done.dropped = remove_edges_into_dead_ends(net);
  if (done.dropped < count) {
    done.dropped += remove_edges(net, count - done.dropped, EdgeRemoval::smallest_magnitude, rng);
  }
  const std::vector<CandidateEdge> grow = regrowth == Regrowth::gradient
                                              ? candidates.strongest(net, done.dropped)
                                              : random_candidates(net, done.dropped, rng);
  done.grown = add_candidate_edges(net, grow);
  return done;
}

}  // namespace chaosnet
