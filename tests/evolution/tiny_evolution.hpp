#pragma once

// A tiny MNIST-like dataset and evolution settings small enough for unit tests to run several
// generations in well under a second.

#include <support/idx_writer.hpp>
#include <support/temp_dir.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/evolution.hpp>

namespace chaosnet_test {

/// 500 training, 100 validation and 100 test images (28 × 28, 10 classes).
inline chaosnet::MnistSplits tiny_mnist() {
  const chaosnet::test::TempDir dir;
  chaosnet::test::write_tiny_mnist(dir.path(), {600, 100, 28, 28});
  return chaosnet::load_mnist_splits(dir.path(), 100);
}

/// tiny_mnist(), made once per test program.
inline const chaosnet::MnistSplits& shared_tiny_mnist() {
  static const chaosnet::MnistSplits splits = tiny_mnist();
  return splits;
}

/// Four members, a few steps per generation, mutation every generation, a cap of 250 edges.
inline chaosnet::EvolutionOptions tiny_evolution_options() {
  chaosnet::EvolutionOptions o;
  o.population = 4;
  o.steps_per_generation = 12;
  o.morph_every = 1;
  o.initial_hidden = 4;
  o.max_edges = 250;
  o.topology.leaf_bias = true;
  o.mutation = {0.01, 0.2, 0.2, chaosnet::EdgeRemoval::smallest_magnitude};
  o.selection = {chaosnet::SelectionMethod::pareto, 0.05, 0.2, 0.01};
  o.optimizer.kind = chaosnet::OptimizerKind::adam;
  o.optimizer.learning_rate = 3e-3;
  o.optimizer.epsilon = 1e-4;
  o.seed = 7;
  return o;
}

/// tiny_evolution_options() shared between budgets of 200 and 400 edges (no cap beyond them),
/// founders layered at their budget: the setting of founder and immigrant training.
inline chaosnet::EvolutionOptions tiny_budget_options() {
  chaosnet::EvolutionOptions o = tiny_evolution_options();
  o.max_edges = 0;
  o.budgets = {200, 400};
  o.layered_founders = true;
  return o;
}

/// Every member's lineage, parameters (bit for bit) and fitness are equal.
template <class T, int N>
bool same_members(const chaosnet::Population<T, N>& a, const chaosnet::Population<T, N>& b) {
  if (a.members().size() != b.members().size()) return false;
  for (std::size_t i = 0; i < a.members().size(); ++i) {
    const auto& x = a.members()[i];
    const auto& y = b.members()[i];
    if (x.id != y.id || x.parent != y.parent || x.accuracy != y.accuracy) return false;
    const auto dx = x.network.to_data(), dy = y.network.to_data();
    if (dx.edges.size() != dy.edges.size() || dx.nodes.size() != dy.nodes.size()) return false;
    for (std::size_t e = 0; e < dx.edges.size(); ++e) {
      if (dx.edges[e].id != dy.edges[e].id || dx.edges[e].weight != dy.edges[e].weight) {
        return false;
      }
    }
    for (std::size_t n = 0; n < dx.nodes.size(); ++n) {
      if (dx.nodes[n].id != dy.nodes[n].id || dx.nodes[n].bias != dy.nodes[n].bias) return false;
    }
  }
  return chaosnet::population_fingerprint(a) == chaosnet::population_fingerprint(b);
}

}  // namespace chaosnet_test
