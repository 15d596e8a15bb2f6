#pragma once

// Structural mutation of one network as seed v0.2 did it (grow, then prune), with a hard cap on
// the edge count that holds after every mutation: how much each step does, drawn per mutation;
// the operators themselves are in graph/topology_mutations.hpp. The operators from sparse training
// (gradient growth, rewiring, edge splitting) have their rates here and live in
// guided_mutation.hpp; at rate 0, the default, they change nothing and draw nothing.

#include <chaosnet/util/random.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/topology_mutations.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chaosnet {

/// How one mutation changes a network. Each rate is the upper end of a uniform draw made anew
/// for every mutation, so a population explores small and large steps (seed v0.2).
struct MutationOptions {
  /// Grow: add ⌊nodes · p_n⌋ Normal nodes, p_n ~ U[0, node_rate), nodes counting inputs and
  /// leaves too (the seed's len(nodes)). Each new node gets the topology's new_node_edges_in
  /// and new_node_edges_out random edges.
  double node_rate = 0.1;
  /// Grow: then add ⌊edges · p_c⌋ random edges, p_c ~ U[0, edge_rate).
  double edge_rate = 0.1;
  /// Prune: remove ⌊edges · p_r⌋ edges, p_r ~ U[0, prune_rate), then every dead node.
  double prune_rate = 0.3;
  /// Which edges pruning removes. The seed's weighting (w² + 1) was nearly uniform: random.
  EdgeRemoval prune_policy = EdgeRemoval::random;
  /// Guided (mutate_guided() with candidate gradients): add ⌊edges · p_g⌋ absent edges with the
  /// largest |∂L/∂w| at weight 0, p_g ~ U[0, grow_rate), never past the edge cap.
  double grow_rate = 0;
  /// Guided: rewire ⌊edges · p_w⌋ edges at a constant count, p_w ~ U[0, rewire_rate): drop the
  /// smallest |w|, add as many absent edges with the largest |∂L/∂w| at weight 0.
  double rewire_rate = 0;
  /// mutate_guided(): split ⌊edges · p_s⌋ edges, p_s ~ U[0, split_rate), chosen with probability
  /// ∝ |w|: each gets a new Normal node on a parallel path that starts with output weight 0.
  double split_rate = 0;
};

/// What one mutation did.
struct MutationReport {
  std::size_t nodes_added = 0;
  std::size_t edges_added = 0;    ///< by add_nodes() and add_random_edges()
  std::size_t edges_pruned = 0;   ///< by the prune step (dead nodes' edges not included)
  std::size_t nodes_removed = 0;  ///< dead nodes, with the prune step and the cap
  std::size_t edges_capped = 0;   ///< removed to get under the cap, dead nodes' edges included
  std::size_t edges_grown = 0;    ///< by gradient growth (guided)
  std::size_t edges_rewired = 0;  ///< dropped and regrown by rewiring (guided)
  std::size_t nodes_split = 0;    ///< new nodes from edge splitting (guided)
};

/// Throws std::invalid_argument unless every rate is finite and in [0, 1].
inline void check_mutation_options(const MutationOptions& options) {
  auto check = [](double rate, std::string_view name) {
    if (!(rate >= 0 && rate <= 1)) {
      throw std::invalid_argument("chaosnet::MutationOptions: " + std::string(name) +
                                  " must lie in [0, 1], got " + std::to_string(rate));
    }
  };
  check(options.node_rate, "node_rate");
  check(options.edge_rate, "edge_rate");
  check(options.prune_rate, "prune_rate");
  check(options.grow_rate, "grow_rate");
  check(options.rewire_rate, "rewire_rate");
  check(options.split_rate, "split_rate");
}

namespace detail {

/// ⌊base · p⌋ with p ~ U[0, rate): how much one mutation step does (one draw from `rng`).
inline std::size_t mutation_amount(std::size_t base, double rate, Rng& rng) {
  const double p = util::uniform_real(rng, 0.0, rate);
  return static_cast<std::size_t>(std::floor(static_cast<double>(base) * p));
}

}  // namespace detail

/// Remove the smallest-|w| edges, and then the nodes left dead, until `net` has at most
/// `max_edges` edges (0 means no cap). Returns how many edges went. Draws nothing from `rng`.
template <class T>
std::size_t enforce_edge_cap(Topology<T>& net, std::size_t max_edges, Rng& rng,
                             std::size_t* nodes_removed = nullptr) {
  if (max_edges == 0) return 0;
  const std::size_t before = net.edge_count();
  // One pass suffices (removing dead nodes only removes more edges); the loop states the goal.
  while (net.edge_count() > max_edges) {
    remove_edges(net, net.edge_count() - max_edges, EdgeRemoval::smallest_magnitude, rng);
    const std::size_t dead = remove_dead_nodes(net);
    if (nodes_removed != nullptr) *nodes_removed += dead;
  }
  return before - net.edge_count();
}

/// One seed v0.2 mutation of `net`: grow (nodes, then random edges), prune (edges, then dead
/// nodes), then enforce the cap of `max_edges` edges (0: none). All randomness comes from `rng`.
/// The guided rates are ignored here (mutate_guided() applies them).
template <class T>
MutationReport mutate(Topology<T>& net, const MutationOptions& options, Rng& rng,
                      std::size_t max_edges = 0) {
  check_mutation_options(options);
  auto amount = [&](std::size_t base, double rate) { return detail::mutation_amount(base, rate, rng); };
  MutationReport report;
  const std::size_t edges_before = net.edge_count();
  report.nodes_added = amount(net.node_count(), options.node_rate);
  if (report.nodes_added > 0) add_nodes(net, NodeKind::normal, report.nodes_added, rng);
  const std::size_t random_edges = amount(net.edge_count(), options.edge_rate);
  add_random_edges(net, random_edges, rng);
  report.edges_added = net.edge_count() - edges_before;

  report.edges_pruned =
      remove_edges(net, amount(net.edge_count(), options.prune_rate), options.prune_policy, rng);
  report.nodes_removed = remove_dead_nodes(net);
  report.edges_capped = enforce_edge_cap(net, max_edges, rng, &report.nodes_removed);
  return report;
}

}  // namespace chaosnet
