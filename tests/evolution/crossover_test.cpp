// Crossover: the child of two mutated clones keeps every invariant, the better parent's weights
// and ParamIds where it has an edge and the other's weights for what it takes, takes at the rate
// asked, never merges ids that name nodes of different kinds, respects the cap, and trains.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/crossover.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

using chaosnet::CrossoverReport;
using chaosnet::MutationOptions;
using chaosnet::Network;
using chaosnet::NodeId;
using chaosnet::NodeKind;
using chaosnet::ParamId;
using chaosnet::Rng;
using chaosnet::Topology;

namespace {

using Net = Network<double, 4>;

/// Two members of one lineage: an ancestor's clones, mutated apart.
struct Relatives {
  Net better, other;
};

/// A random ancestor without dead nodes and two clones of it mutated `rounds` times each. With
/// `own_ids`, the second lineage numbers its new nodes from far above the first's, so ids align
/// only what the ancestor created; without, both count on from the ancestor's next id and their
/// new nodes share ids.
Relatives mutated_clones(std::uint64_t seed, bool own_ids, int rounds = 3) {
  Rng rng(seed);
  chaosnet_test::DagShape shape;
  shape.inputs = 12;
  shape.outputs = 4;
  shape.normals = 10;
  Net ancestor = chaosnet_test::random_dag<Net>(rng, shape);
  chaosnet::remove_dead_nodes(ancestor);
  Relatives r{ancestor, ancestor};
  if (own_ids) r.other.reserve_node_ids(ancestor.next_node_id() + 1'000'000);
  const MutationOptions options{0.3, 0.4, 0.3, chaosnet::EdgeRemoval::random};
  for (int i = 0; i < rounds; ++i) {
    chaosnet::mutate(r.better, options, rng);
    chaosnet::mutate(r.other, options, rng);
  }
  return r;
}

template <class T>
std::size_t dead_nodes(const Topology<T>& net) {
  Topology<T> copy = net;
  return chaosnet::remove_dead_nodes(copy);
}

/// Every edge by (from, to): its weight and ParamId.
std::map<std::pair<NodeId, NodeId>, std::pair<double, ParamId>> edges_of(const Topology<double>& net) {
  std::map<std::pair<NodeId, NodeId>, std::pair<double, ParamId>> out;
  for (const auto& e : net.to_data().edges) out[{e.from, e.to}] = {e.weight, e.id};
  return out;
}

/// Same nodes (ids, kinds, biases and their ids) and edges (weights and ids), in the same order.
void check_same_graph(const Topology<double>& a, const Topology<double>& b) {
  auto nodes = [](const Topology<double>& t) {
    std::vector<std::tuple<NodeId, NodeKind, double, ParamId>> out;
    for (const auto& n : t.to_data().nodes) out.emplace_back(n.id, n.kind, n.bias, n.bias_id);
    return out;
  };
  auto edges = [](const Topology<double>& t) {
    std::vector<std::tuple<NodeId, NodeId, double, ParamId>> out;
    for (const auto& e : t.to_data().edges) out.emplace_back(e.from, e.to, e.weight, e.id);
    return out;
  };
  CHECK(nodes(a) == nodes(b));
  CHECK(edges(a) == edges(b));
}

/// Other's edges that the child could take by the draw: both ends are nodes of better's of the
/// same kinds, better lacks the edge and its order allows it.
std::vector<std::pair<NodeId, NodeId>> drawable_edges(const Topology<double>& better,
                                                      const Topology<double>& other) {
  auto shared = [&](NodeId id) {
    return better.contains(id) && better.node(id).kind == other.node(id).kind;
  };
  std::vector<std::pair<NodeId, NodeId>> out;
  for (const auto& [edge, value] : edges_of(other)) {
    const auto [from, to] = edge;
    if (shared(from) && shared(to) && !better.has_edge(from, to) &&
        better.position(from) < better.position(to)) {
      out.push_back(edge);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Crossover: a network crossed with itself is itself, and nothing is drawn",
          "[evolution][crossover]") {
  const Relatives r = mutated_clones(1, true);
  for (const double take : {0.0, 0.5, 1.0}) {
    Rng rng(7);
    Rng untouched = rng;
    CrossoverReport report;
    const Topology<double> child = chaosnet::crossover<double>(r.better, r.better, rng, take, 0, &report);
    check_same_graph(child, r.better);
    CHECK(child.next_node_id() == r.better.next_node_id());
    CHECK(child.to_data().next_param_id == r.better.to_data().next_param_id);
    CHECK(report.shared_nodes == r.better.node_count());
    CHECK(report.shared_edges == r.better.edge_count());
    CHECK(report.nodes_from_other + report.edges_from_other + report.edges_declined +
              report.edges_skipped + report.colliding_nodes + report.nodes_removed ==
          0);
    CHECK(rng() == untouched());
  }
}

TEST_CASE("Crossover: the child of mutated clones keeps better's weights and ids, takes other's "
          "weights, and keeps every invariant",
          "[evolution][crossover]") {
  for (const bool own_ids : {true, false}) {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      const Relatives r = mutated_clones(seed, own_ids);
      const ParamId better_next_param = r.better.to_data().next_param_id;
      const auto better_edges = edges_of(r.better), other_edges = edges_of(r.other);
      for (const double take : {0.0, 0.3, 1.0}) {
        INFO("seed " << seed << ", own ids " << own_ids << ", take_other " << take);
        Rng rng(seed * 10);
        CrossoverReport report;
        const Topology<double> child = chaosnet::crossover<double>(r.better, r.other, rng, take, 0, &report);
        REQUIRE(child.check_invariants().empty());
        CHECK(dead_nodes(child) == 0);
        CHECK(report.shared_edges + report.edges_from_other + report.edges_declined +
                  report.edges_skipped ==
              r.other.edge_count());
        CHECK(child.next_node_id() >= std::max(r.better.next_node_id(), r.other.next_node_id()));

        // Nodes: better's as they were; the others are other's Normal nodes with its bias.
        for (const auto& n : child.to_data().nodes) {
          if (r.better.contains(n.id)) {
            CHECK(n.kind == r.better.node(n.id).kind);
            if (n.has_bias) CHECK(n.bias == r.better.bias(n.id));
            if (n.has_bias) CHECK(n.bias_id == r.better.to_data().nodes[r.better.position(n.id)].bias_id);
          } else {
            REQUIRE(r.other.contains(n.id));
            CHECK(n.kind == NodeKind::normal);
            CHECK(n.bias == r.other.bias(n.id));
            CHECK(n.bias_id >= better_next_param);
          }
        }
        // Edges: better's weight and ParamId where better has the edge, else other's weight
        // under a fresh ParamId.
        std::size_t from_other = 0;
        for (const auto& [edge, value] : edges_of(child)) {
          if (const auto b = better_edges.find(edge); b != better_edges.end()) {
            CHECK(value == b->second);
          } else {
            const auto o = other_edges.find(edge);
            REQUIRE(o != other_edges.end());
            CHECK(value.first == o->second.first);
            CHECK(value.second >= better_next_param);
            ++from_other;
          }
        }
        // Every edge of better survives: crossover only adds, and better has no dead nodes.
        CHECK(child.edge_count() == r.better.edge_count() + from_other);
        CHECK(from_other <= report.edges_from_other);
        if (report.nodes_removed == 0) CHECK(from_other == report.edges_from_other);

        if (take == 0) check_same_graph(child, r.better);
        if (take == 1) {
          CHECK(report.edges_declined == 0);
          if (own_ids) {
            // The parents order what they share alike, so every edge of other fits the child:
            // the child is the union of both parents.
            CHECK(report.edges_skipped == 0);
            CHECK(report.nodes_removed == 0);
            CHECK(report.shared_nodes + report.nodes_from_other == r.other.node_count());
            for (const auto& [edge, value] : other_edges) CHECK(child.has_edge(edge.first, edge.second));
          }
        }

        // The same stream gives the same child.
        Rng again(seed * 10);
        check_same_graph(chaosnet::crossover<double>(r.better, r.other, again, take), child);
      }
    }
  }
}

TEST_CASE("Crossover: other's nodes and edges between shared nodes are taken at take_other",
          "[evolution][crossover]") {
  const double take = 0.3;
  std::size_t drawable = 0, edges_taken = 0, novel = 0, nodes_taken = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const Relatives r = mutated_clones(seed, true);
    Rng rng(seed + 100);
    CrossoverReport report;
    const Topology<double> child = chaosnet::crossover<double>(r.better, r.other, rng, take, 0, &report);
    for (const auto& [from, to] : drawable_edges(r.better, r.other)) {
      ++drawable;
      if (child.has_edge(from, to)) ++edges_taken;
    }
    for (const auto& n : r.other.nodes()) {
      if (n.kind == NodeKind::normal && !r.better.contains(n.id)) ++novel;
    }
    nodes_taken += report.nodes_from_other;
  }
  auto within_four_sigma = [&](std::size_t hits, std::size_t trials) {
    const double n = static_cast<double>(trials);
    const double rate = static_cast<double>(hits) / n;
    INFO(hits << " of " << trials << " taken");
    CHECK(std::abs(rate - take) <= 4 * std::sqrt(take * (1 - take) / n));
  };
  REQUIRE(drawable > 300);
  REQUIRE(novel > 300);
  within_four_sigma(edges_taken, drawable);
  within_four_sigma(nodes_taken, novel);
}

TEST_CASE("Crossover: ids that name nodes of different kinds are never merged",
          "[evolution][crossover]") {
  Rng rng(5);
  chaosnet_test::DagShape shape;
  shape.outputs = 5;
  Topology<double> ancestor = chaosnet_test::random_dag<Topology<double>>(rng, shape);
  chaosnet::remove_dead_nodes(ancestor);
  const NodeId x = ancestor.next_node_id();
  const NodeId input0 = ancestor.nodes().front().id;
  const NodeId leaf0 = ancestor.nodes()[ancestor.input_count() + ancestor.normal_count()].id;

  // better: x is a new leaf, x + 1 a new Normal node.
  Topology<double> better = ancestor;
  REQUIRE(better.insert_nodes(NodeKind::leaf, 1, better.output_count()).front() == x);
  REQUIRE(chaosnet::add_nodes(better, NodeKind::normal, 1, rng).front() == x + 1);
  // other: x is a new Normal node (wired to input0 and leaf0 at least), x + 1 a new input
  // whose only edge goes into x.
  Topology<double> other = ancestor;
  REQUIRE(chaosnet::add_nodes(other, NodeKind::normal, 1, rng).front() == x);
  if (!other.has_edge(input0, x)) other.add_edge(input0, x, 0.5);
  if (!other.has_edge(x, leaf0)) other.add_edge(x, leaf0, 0.7);
  REQUIRE(other.insert_nodes(NodeKind::input, 1, other.input_count()).front() == x + 1);
  other.add_edge(x + 1, x, 0.9);

  Rng draw(6);
  CrossoverReport report;
  const Topology<double> child = chaosnet::crossover(better, other, draw, 1.0, 0, &report);
  REQUIRE(child.check_invariants().empty());
  CHECK(report.colliding_nodes == 2);
  CHECK(report.nodes_from_other == 1);
  CHECK(report.edges_skipped == 1);  // x + 1 → x: other's input x + 1 is not the child's node x + 1
  // better's nodes keep their kinds and edges: the leaf x gained none of other's x's.
  CHECK(child.node(x).kind == NodeKind::leaf);
  CHECK(child.node(x).sources == better.node(x).sources);
  CHECK(child.node(x + 1).kind == NodeKind::normal);
  CHECK(child.node(x + 1).sources == better.node(x + 1).sources);
  CHECK(child.node(x + 1).targets == better.node(x + 1).targets);
  CHECK(child.input_count() == better.input_count());

  // other's node x came over under a fresh id, with its bias and its edges but the skipped one.
  std::vector<NodeId> fresh;
  for (const auto& n : child.nodes()) {
    if (!better.contains(n.id)) fresh.push_back(n.id);
  }
  REQUIRE(fresh.size() == 1);
  const NodeId y = fresh.front();
  CHECK(y >= other.next_node_id());
  CHECK(child.node(y).kind == NodeKind::normal);
  CHECK(child.bias(y) == other.bias(x));
  CHECK(child.node(y).sources.size() + 1 == other.node(x).sources.size());
  for (const NodeId s : other.node(x).sources) {
    if (s != x + 1) CHECK(child.weight(s, y) == other.weight(s, x));
  }
  CHECK(child.node(y).targets.size() == other.node(x).targets.size());
  for (const NodeId t : other.node(x).targets) CHECK(child.weight(y, t) == other.weight(x, t));
}

TEST_CASE("Crossover: the child respects the edge cap by dropping the smallest weights",
          "[evolution][crossover]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const Relatives r = mutated_clones(seed, true);
    for (const std::size_t cap : {r.better.edge_count(), r.better.edge_count() / 2}) {
      Rng rng(seed);
      CrossoverReport report;
      const Topology<double> child = chaosnet::crossover<double>(r.better, r.other, rng, 1.0, cap, &report);
      Rng same(seed);
      const Topology<double> uncapped = chaosnet::crossover<double>(r.better, r.other, same, 1.0);
      INFO("seed " << seed << ", cap " << cap);
      REQUIRE(child.check_invariants().empty());
      CHECK(child.edge_count() <= cap);
      CHECK(dead_nodes(child) == 0);
      REQUIRE(uncapped.edge_count() > cap);
      CHECK(report.edges_capped == uncapped.edge_count() - child.edge_count());
      // What the cap kept weighs at least as much as anything it dropped.
      double smallest_kept = 1e300;
      for (const auto& [edge, value] : edges_of(child)) smallest_kept = std::min(smallest_kept, std::abs(value.first));
      std::size_t dropped_heavier = 0;
      for (const auto& [edge, value] : edges_of(uncapped)) {
        if (!child.contains(edge.first) || !child.contains(edge.second)) continue;  // died with a node
        if (!child.has_edge(edge.first, edge.second) && std::abs(value.first) > smallest_kept) ++dropped_heavier;
      }
      CHECK(dropped_heavier == 0);
    }
  }
}

TEST_CASE("Crossover: the child computes finite outputs and trains with better's optimizer",
          "[evolution][crossover]") {
  Relatives r = mutated_clones(3, true);
  Rng batch_rng(9);
  const chaosnet_test::RandomBatch<4> batch(batch_rng, r.better.input_count(), r.better.output_count());
  chaosnet::OptimizerOptions adam;
  adam.learning_rate = 0.01;
  chaosnet::Optimizer<double> optimizer(adam);
  for (int i = 0; i < 3; ++i) REQUIRE(chaosnet::training_step(r.better, optimizer, batch.ref()).stepped());

  Rng rng(4);
  CrossoverReport report;
  Net child(chaosnet::crossover<double>(r.better, r.other, rng, 0.5, 0, &report));
  REQUIRE(report.edges_from_other > 0);
  chaosnet::Optimizer<double> child_optimizer = optimizer;

  // The state of better's parameters carries over by ParamId; what came from other starts fresh.
  std::map<ParamId, chaosnet::ParameterState<double>> before;
  for (const auto& [id, s] : optimizer.state(r.better)) before[id] = s;
  std::size_t carried = 0, fresh = 0;
  for (const auto& [id, s] : child_optimizer.state(child)) {
    if (const auto it = before.find(id); it != before.end()) {
      CHECK(s.first == it->second.first);
      CHECK(s.second == it->second.second);
      CHECK(s.beta1_power == it->second.beta1_power);
      ++carried;
    } else {
      CHECK(s.first == 0);
      CHECK(s.second == 0);
      CHECK(s.beta1_power == 1);
      ++fresh;
    }
  }
  CHECK(carried > 0);
  CHECK(fresh >= report.edges_from_other);

  std::vector<Net::Batch> logits(child.output_count());
  child.predict_logits(batch.rows, logits);
  for (const auto& l : logits) CHECK(l.isFinite().all());
  const double loss = child.compute_gradients(batch.ref());
  REQUIRE(std::isfinite(loss));
  const auto step = chaosnet::training_step(child, child_optimizer, batch.ref());
  REQUIRE(step.stepped());
  CHECK(step.loss == loss);
  const double after = child.compute_gradients(batch.ref());
  CHECK(std::isfinite(after));
  CHECK(after != loss);
}

TEST_CASE("Crossover: take_other outside [0, 1] is rejected", "[evolution][crossover]") {
  Topology<double> net(3, 2);
  Rng rng(1);
  CHECK_THROWS_WITH(chaosnet::crossover(net, net, rng, 1.5), Catch::Contains("take_other"));
  CHECK_THROWS_WITH(chaosnet::crossover(net, net, rng, -0.1), Catch::Contains("take_other"));
  CHECK_THROWS_AS(chaosnet::crossover(net, net, rng, std::nan("")), std::invalid_argument);
}

TEST_CASE("Topology: insert_node_with_id places a node under a free id; reserve_node_ids never "
          "lowers the next id",
          "[graph][crossover]") {
  Topology<double> net(3, 2);
  REQUIRE(net.next_node_id() == 5);
  net.insert_node_with_id(NodeKind::normal, 40, 0);
  CHECK(net.position(40) == 3);
  CHECK(net.node(40).bias != chaosnet::no_param);
  CHECK(net.next_node_id() == 41);
  net.insert_node_with_id(NodeKind::normal, 7, 1);  // below the next id and free
  CHECK(net.position(7) == 4);
  CHECK(net.next_node_id() == 41);
  CHECK(net.insert_nodes(NodeKind::normal, 1, 0).front() == 41);
  CHECK(net.check_invariants().empty());
  CHECK_THROWS_AS(net.insert_node_with_id(NodeKind::normal, 7, 0), std::invalid_argument);
  CHECK_THROWS_AS(net.insert_node_with_id(NodeKind::normal, chaosnet::no_node, 0), std::invalid_argument);
  CHECK_THROWS_AS(net.insert_node_with_id(NodeKind::normal, 100, 9), std::out_of_range);
  CHECK(net.node_count() == 8);
  net.reserve_node_ids(10);
  CHECK(net.next_node_id() == 42);
  net.reserve_node_ids(1000);
  CHECK(net.insert_nodes(NodeKind::leaf, 1, 2).front() == 1000);
}
