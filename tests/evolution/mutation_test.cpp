// Mutation: seed v0.2 grow/prune keeps every topology invariant over long random sequences, and
// the edge cap always holds.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/mutation.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

using chaosnet::EdgeRemoval;
using chaosnet::MutationOptions;
using chaosnet::Network;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;

namespace {

/// Nodes that no input reaches or that reach no leaf: none after a mutation.
template <class T>
std::size_t dead_nodes(const Topology<T>& net) {
  Topology<T> copy = net;
  return chaosnet::remove_dead_nodes(copy);
}

}  // namespace

TEST_CASE("Mutation: invariants hold over thousands of random mutations, with and without a cap",
          "[evolution][mutation]") {
  Rng rng(11);
  chaosnet_test::DagShape shape;
  shape.inputs = 30;
  shape.outputs = 5;
  shape.normals = 10;
  auto net = chaosnet_test::random_dag<Network<double, 4>>(rng, shape);
  const chaosnet_test::RandomBatch<4> batch(rng, shape.inputs, shape.outputs);
  std::size_t grew = 0, pruned = 0, capped = 0;
  for (int step = 0; step < 3000; ++step) {
    MutationOptions options;
    options.node_rate = chaosnet::util::uniform_real(rng, 0.0, 0.2);
    options.edge_rate = chaosnet::util::uniform_real(rng, 0.0, 0.5);
    options.prune_rate = chaosnet::util::uniform_real(rng, 0.0, 0.5);
    options.prune_policy = chaosnet::util::bernoulli(rng, 0.5) ? EdgeRemoval::random
                                                                 : EdgeRemoval::smallest_magnitude;
    const std::size_t cap =
        chaosnet::util::bernoulli(rng, 0.5) ? 40 + chaosnet::util::uniform_index(rng, 200) : 0;
    const auto report = chaosnet::mutate(net, options, rng, cap);
    INFO("step " << step);
    REQUIRE(net.check_invariants().empty());
    REQUIRE(dead_nodes(net) == 0);
    if (cap != 0) REQUIRE(net.edge_count() <= cap);
    grew += report.nodes_added + report.edges_added;
    pruned += report.edges_pruned;
    capped += report.edges_capped;
    if (step % 100 == 0) {
      const double loss = net.compute_gradients(batch.ref());
      REQUIRE(std::isfinite(loss));
      for (const double g : net.gradients()) REQUIRE(std::isfinite(g));
    }
  }
  // The sequence really exercised every operator.
  CHECK(grew > 1000);
  CHECK(pruned > 1000);
  CHECK(capped > 1000);
}

TEST_CASE("Mutation: the cap removes the smallest weights first", "[evolution][mutation]") {
  Topology<double> net(4, 2);
  const auto& nodes = net.nodes();
  std::vector<double> magnitudes;
  double w = 0.1;
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t leaf = 4; leaf < 6; ++leaf) {
      net.add_edge(nodes[i].id, nodes[leaf].id, (i % 2 == 0 ? w : -w));
      magnitudes.push_back(w);
      w += 0.1;
    }
  }
  Rng rng(1);
  CHECK(chaosnet::enforce_edge_cap(net, 0, rng) == 0);  // 0: no cap
  CHECK(chaosnet::enforce_edge_cap(net, 10, rng) == 0);
  CHECK(chaosnet::enforce_edge_cap(net, 5, rng) == 3);
  REQUIRE(net.edge_count() == 5);
  for (const auto& n : net.nodes()) {
    for (std::size_t i = 0; i < n.sources.size(); ++i) {
      CHECK(std::abs(net.weight(n.sources[i], n.id)) > 0.35);  // 0.1, 0.2, 0.3 went
    }
  }
}

TEST_CASE("Mutation: the cap takes dead nodes' edges into account", "[evolution][mutation]") {
  // in0 -> h -> leaf with tiny weights, plus strong direct edges: capping removes h's edges, so
  // h dies, and the count ends at or below the cap.
  Topology<double> net(3, 1);
  Rng rng(2);
  const auto h = chaosnet::add_nodes(net, NodeKind::normal, 1, rng).front();
  std::vector<std::pair<chaosnet::NodeId, chaosnet::NodeId>> edges;
  for (const auto& n : net.nodes()) {
    for (const auto s : n.sources) edges.emplace_back(s, n.id);
  }
  for (const auto& [from, to] : edges) net.set_weight(from, to, 1e-3);
  const auto leaf = net.nodes().back().id;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!net.has_edge(net.nodes()[i].id, leaf)) net.add_edge(net.nodes()[i].id, leaf, 1.0);
  }
  const std::size_t cap = 3;
  chaosnet::enforce_edge_cap(net, cap, rng);
  CHECK(net.edge_count() <= cap);
  CHECK_FALSE(net.contains(h));
  CHECK(net.check_invariants().empty());
}

TEST_CASE("Mutation: rates bound the amount of change; zero rates change nothing",
          "[evolution][mutation]") {
  Rng rng(3);
  Topology<float> net(100, 10, rng);
  chaosnet::add_nodes(net, NodeKind::normal, 20, rng);
  const auto before = net.to_data();
  MutationOptions none{0, 0, 0, EdgeRemoval::random};
  const auto report = chaosnet::mutate(net, none, rng);
  CHECK(report.nodes_added + report.edges_added + report.edges_pruned + report.nodes_removed == 0);
  CHECK(net.edge_count() == before.edges.size());
  CHECK(net.node_count() == before.nodes.size());

  MutationOptions grow{0.05, 0.1, 0, EdgeRemoval::random};
  for (int i = 0; i < 50; ++i) {
    const std::size_t nodes = net.node_count();
    const auto r = chaosnet::mutate(net, grow, rng);
    CHECK(r.nodes_added <= static_cast<std::size_t>(std::floor(0.05 * static_cast<double>(nodes))));
    CHECK(r.edges_pruned == 0);
  }
  MutationOptions prune{0, 0, 0.3, EdgeRemoval::smallest_magnitude};
  for (int i = 0; i < 20; ++i) {
    const std::size_t edges = net.edge_count();
    const auto r = chaosnet::mutate(net, prune, rng);
    CHECK(r.edges_pruned <= static_cast<std::size_t>(std::floor(0.3 * static_cast<double>(edges))));
    CHECK(r.nodes_added + r.edges_added == 0);
  }
}

TEST_CASE("Mutation: the same random stream gives the same mutation", "[evolution][mutation]") {
  Rng build(4);
  Topology<float> a(60, 10, build);
  chaosnet::add_nodes(a, NodeKind::normal, 15, build);
  Topology<float> b = a;
  Rng ra(99), rb(99);
  const MutationOptions options{0.1, 0.1, 0.3, EdgeRemoval::random};
  for (int i = 0; i < 20; ++i) {
    chaosnet::mutate(a, options, ra, 300);
    chaosnet::mutate(b, options, rb, 300);
  }
  const auto da = a.to_data(), db = b.to_data();
  REQUIRE(da.edges.size() == db.edges.size());
  for (std::size_t i = 0; i < da.edges.size(); ++i) {
    CHECK(da.edges[i].from == db.edges[i].from);
    CHECK(da.edges[i].to == db.edges[i].to);
    CHECK(da.edges[i].id == db.edges[i].id);
    CHECK(da.edges[i].weight == db.edges[i].weight);
  }
}

TEST_CASE("Mutation: rates outside [0, 1] are rejected", "[evolution][mutation]") {
  Topology<float> net(4, 2);
  Rng rng(5);
  CHECK_THROWS_WITH(chaosnet::mutate(net, MutationOptions{1.5, 0, 0, EdgeRemoval::random}, rng),
                    Catch::Contains("node_rate must lie in [0, 1]"));
  CHECK_THROWS_WITH(chaosnet::mutate(net, MutationOptions{0, 0, -0.1, EdgeRemoval::random}, rng),
                    Catch::Contains("prune_rate"));
}
