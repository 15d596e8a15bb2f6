// Rewiring: edges into dead ends go (their nodes stay), random candidates are distinct, absent,
// allowed and uniform, rewire() swaps the smallest |w| for new zero-weight edges at a constant
// edge count, and thousands of rewires keep the invariants, the gradients and the optimizer right.

#include <chaosnet/sparse/rewiring.hpp>

#include <support/network_finite_differences.hpp>
#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <utility>
#include <vector>

using chaosnet::CandidateEdge;
using chaosnet::CandidateGradients;
using chaosnet::Network;
using chaosnet::NodeId;
using chaosnet::NodeKind;
using chaosnet::ParamId;
using chaosnet::Regrowth;
using chaosnet::Rng;
using chaosnet::Topology;
using Net = Network<double, 4>;
using chaosnet_test::RandomBatch;

namespace {

using Edge = std::pair<NodeId, NodeId>;

/// Every edge of `net` with its weight.
template <class T>
std::map<Edge, T> edge_weights(const Topology<T>& net) {
  std::map<Edge, T> out;
  for (const auto& n : net.nodes()) {
    for (const NodeId s : n.sources) out[{s, n.id}] = net.weight(s, n.id);
  }
  return out;
}

/// Every (source, target) position pair the order allows and `net` lacks, by the definition:
/// source before target, the source not a leaf, the target not an input.
template <class T>
std::vector<std::pair<std::size_t, std::size_t>> allowed_absent(const Topology<T>& net) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const auto nodes = net.nodes();
  for (std::size_t s = 0; s < nodes.size(); ++s) {
    for (std::size_t t = s + 1; t < nodes.size(); ++t) {
      const bool allowed = nodes[s].kind != NodeKind::leaf && nodes[t].kind != NodeKind::input;
      if (allowed && !net.has_edge(nodes[s].id, nodes[t].id)) out.emplace_back(s, t);
    }
  }
  return out;
}

std::map<ParamId, chaosnet::ParameterState<double>> state_by_id(chaosnet::Optimizer<double>& optimizer,
                                                                const Net& net) {
  const auto state = optimizer.state(net);
  return {state.begin(), state.end()};
}

}  // namespace

TEST_CASE("Rewiring: remove_edges_into_dead_ends removes the incoming edges of nodes that reach no leaf",
          "[sparse][rewiring]") {
  chaosnet::TopologyOptions options;
  options.leaf_bias = true;
  Topology<double> net(2, 1, options);
  const std::vector<NodeId> normals = net.insert_nodes(NodeKind::normal, 4, 0);
  const NodeId in0 = net.nodes()[0].id, in1 = net.nodes()[1].id;
  const NodeId a = normals[0], b = normals[1], c = normals[2], d = normals[3];
  const NodeId leaf = net.nodes().back().id;
  // a reaches the leaf through d; b reaches only c, and c reaches nothing.
  const std::vector<Edge> live{{in0, a}, {a, d}, {d, leaf}, {in1, leaf}};
  const std::vector<Edge> dead{{in1, b}, {in0, b}, {b, c}, {in1, c}, {a, c}};
  double w = 0.5;
  for (const auto& [from, to] : live) net.add_edge(from, to, w += 0.25);
  for (const auto& [from, to] : dead) net.add_edge(from, to, w += 0.25);
  const auto before = edge_weights(net);

  CHECK(chaosnet::remove_edges_into_dead_ends(net) == dead.size());
  CHECK(net.check_invariants().empty());
  CHECK(net.node_count() == 7);  // the nodes stay for regrowth
  CHECK(net.normal_count() == 4);
  const auto after = edge_weights(net);
  REQUIRE(after.size() == live.size());
  for (const Edge& e : live) CHECK(after.at(e) == before.at(e));
  for (const Edge& e : dead) CHECK_FALSE(net.has_edge(e.first, e.second));
  CHECK(chaosnet::remove_edges_into_dead_ends(net) == 0);
}

TEST_CASE("Rewiring: random_candidates are distinct, absent and allowed", "[sparse][rewiring]") {
  Rng rng(3);
  chaosnet_test::DagShape shape;
  shape.normals = 5;
  Net net = chaosnet_test::random_dag<Net>(rng, shape);
  const auto absent = allowed_absent(net);
  REQUIRE(absent.size() > 20);
  const std::set<std::pair<std::size_t, std::size_t>> allowed(absent.begin(), absent.end());

  for (const std::size_t k : {std::size_t{1}, std::size_t{7}, absent.size(), absent.size() + 10}) {
    INFO("k " << k);
    const std::vector<CandidateEdge> got = chaosnet::random_candidates(net, k, rng);
    CHECK(got.size() == std::min(k, absent.size()));
    std::set<std::pair<std::size_t, std::size_t>> seen;
    for (const CandidateEdge& c : got) {
      CHECK(allowed.count({c.source, c.target}) == 1);
      CHECK(c.gradient == 0.0);
      CHECK(seen.insert({c.source, c.target}).second);
    }
  }
  // Adding them all leaves a valid network with nothing left to add.
  const auto all = chaosnet::random_candidates(net, absent.size(), rng);
  CHECK(chaosnet::add_candidate_edges(net, std::span<const CandidateEdge>(all)) == absent.size());
  CHECK(net.check_invariants().empty());
  CHECK(allowed_absent(net).empty());
  CHECK(chaosnet::random_candidates(net, 5, rng).empty());
}

TEST_CASE("Rewiring: random_candidates are uniform over the allowed absent pairs", "[sparse][rewiring]") {
  Rng rng(11);
  Topology<double> net(3, 2);
  net.insert_nodes(NodeKind::normal, 3, 0);
  const auto nodes = net.nodes();
  for (const auto& [s, t] : {Edge{0, 3}, Edge{1, 4}, Edge{3, 5}, Edge{5, 7}}) {
    net.add_edge(nodes[s].id, nodes[t].id, 1.0);
  }
  const auto absent = allowed_absent(net);
  REQUIRE(absent.size() == 20);  // 24 allowed pairs, 4 present
  std::map<std::pair<std::size_t, std::size_t>, double> counts;
  for (const auto& pair : absent) counts[pair] = 0;
  constexpr int draws = 40000;
  for (int i = 0; i < draws; ++i) {
    const auto got = chaosnet::random_candidates(net, 1, rng);
    REQUIRE(got.size() == 1);
    REQUIRE(counts.count({got[0].source, got[0].target}) == 1);
    counts[{got[0].source, got[0].target}] += 1;
  }
  const double expected = static_cast<double>(draws) / static_cast<double>(absent.size());
  double chi_square = 0;
  for (const auto& [pair, count] : counts) {
    chi_square += (count - expected) * (count - expected) / expected;
    CHECK(std::abs(count - expected) < 0.1 * expected);
  }
  // Loose: the 99.9% point of chi-square is below df + 5·sqrt(2·df) for these df.
  const double df = static_cast<double>(absent.size() - 1);
  CHECK(chi_square < df + 5 * std::sqrt(2 * df));
}

TEST_CASE("Rewiring: rewire() drops the smallest |w| and grows as many zero-weight edges", "[sparse][rewiring]") {
  for (const Regrowth regrowth : {Regrowth::gradient, Regrowth::random}) {
    INFO("regrowth " << to_string(regrowth));
    Rng rng(21);
    chaosnet_test::DagShape shape;
    shape.normals = 12;
    shape.extra_edges = 25;
    Net net = chaosnet_test::random_dag<Net>(rng, shape);
    chaosnet::remove_edges_into_dead_ends(net);  // so every drop below is by magnitude
    CandidateGradients<double> candidates;
    for (int b = 0; b < 2; ++b) {
      const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
      net.compute_gradients(batch.ref());
      candidates.add(net);
    }
    const auto before = edge_weights(net);
    std::vector<double> magnitudes;
    for (const auto& [edge, w] : before) magnitudes.push_back(std::abs(w));
    std::sort(magnitudes.begin(), magnitudes.end());
    constexpr std::size_t count = 6;
    const double largest_dropped = magnitudes[count - 1];
    REQUIRE(magnitudes[count] > largest_dropped);  // no tie at the cut
    REQUIRE(magnitudes.front() > 0);

    const chaosnet::RewireCount done = chaosnet::rewire(net, count, regrowth, candidates, rng);
    CHECK(done.dropped == count);
    CHECK(done.grown == count);
    CHECK(net.edge_count() == before.size());
    CHECK(net.check_invariants().empty());

    const auto after = edge_weights(net);
    std::size_t zero = 0;
    for (const auto& [edge, w] : after) {
      const auto it = before.find(edge);
      if (w == 0.0) {
        ++zero;  // grown: new, or a just-dropped edge regrown
        CHECK((it == before.end() || std::abs(it->second) <= largest_dropped));
      } else {
        REQUIRE(it != before.end());
        CHECK(it->second == w);
      }
    }
    CHECK(zero == count);
    for (const auto& [edge, w] : before) {
      if (std::abs(w) > largest_dropped) CHECK(after.count(edge) == 1);
    }
    if (regrowth == Regrowth::gradient) {
      // No allowed pair still absent is stronger than the weakest grown edge.
      double weakest_grown = INFINITY;
      for (const auto& [edge, w] : after) {
        if (w == 0.0) {
          weakest_grown = std::min(weakest_grown, std::abs(candidates.gradient(net.position(edge.first),
                                                                               net.position(edge.second))));
        }
      }
      REQUIRE(weakest_grown > 0);
      for (const auto& [s, t] : allowed_absent(net)) CHECK(std::abs(candidates.gradient(s, t)) <= weakest_grown);
    }
  }
}

TEST_CASE("Rewiring: thousands of rewires keep the invariants, gradients and optimizer state",
          "[sparse][rewiring]") {
  Rng rng(31);
  chaosnet_test::DagShape shape;
  shape.normals = 10;
  shape.extra_edges = 20;
  Net net = chaosnet_test::random_dag<Net>(rng, shape);
  const std::size_t start_edges = net.edge_count();
  chaosnet::OptimizerOptions adam;
  adam.learning_rate = 0.01;
  chaosnet::Optimizer<double> optimizer(adam);
  CandidateGradients<double> candidates;
  std::size_t grown = 0, regrown_by_gradient = 0;
  constexpr int rewires = 3000;
  for (int i = 0; i < rewires; ++i) {
    const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
    net.compute_gradients(batch.ref());
    candidates.add(net);
    optimizer.step(net, net.gradients());
    const Regrowth regrowth = i % 2 == 0 ? Regrowth::gradient : Regrowth::random;
    const std::size_t count = 1 + static_cast<std::size_t>(i % 4);
    const chaosnet::RewireCount done = chaosnet::rewire(net, count, regrowth, candidates, rng);
    candidates.clear();
    grown += done.grown;
    if (regrowth == Regrowth::gradient) regrown_by_gradient += done.grown;
    const std::string violation = net.check_invariants();
    INFO("rewire " << i << ": " << violation);
    REQUIRE(violation.empty());
    REQUIRE(net.edge_count() <= start_edges);
    REQUIRE(done.grown <= done.dropped);
    if (i % 500 == 499) {
      const RandomBatch<4> check(rng, net.input_count(), net.output_count());
      REQUIRE(chaosnet_test::network_gradient_error(net, check.ref()) <= 1e-6);
    }
  }
  CHECK(grown > static_cast<std::size_t>(rewires));
  CHECK(regrown_by_gradient > 0);
  CHECK(net.edge_count() > start_edges / 2);  // rewiring, not shrinking to nothing

  // The optimizer keeps the state of surviving parameters by id and starts new ones fresh.
  const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  net.compute_gradients(batch.ref());
  optimizer.step(net, net.gradients());
  const auto before = state_by_id(optimizer, net);
  candidates.add(net);
  const auto done = chaosnet::rewire(net, 5, Regrowth::gradient, candidates, rng);
  REQUIRE(done.grown > 0);
  CHECK(chaosnet_test::network_gradient_error(net, batch.ref()) <= 1e-6);
  net.compute_gradients(batch.ref());
  const auto after = state_by_id(optimizer, net);
  std::size_t kept = 0, fresh = 0;
  for (const auto& [id, s] : after) {
    const auto it = before.find(id);
    if (it != before.end()) {
      ++kept;
      CHECK(s.first == it->second.first);
      CHECK(s.second == it->second.second);
      CHECK(s.beta1_power == it->second.beta1_power);
    } else {
      ++fresh;
      CHECK(s.first == 0.0);
      CHECK(s.second == 0.0);
      CHECK(s.beta1_power == 1.0);
    }
  }
  CHECK(fresh == done.grown);  // a regrown edge is a new parameter too, with a new id
  CHECK(kept + fresh == net.parameter_count());

  // One more step is the textbook Adam update from that state, parameter by parameter.
  const auto ids = net.parameter_ids();
  const auto grads = net.gradients();
  std::vector<double> expected(net.parameter_values().begin(), net.parameter_values().end());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == 0) continue;
    const auto& s = after.at(ids[i]);
    const double m = adam.beta1 * s.first + (1 - adam.beta1) * grads[i];
    const double v = adam.beta2 * s.second + (1 - adam.beta2) * grads[i] * grads[i];
    const double m_hat = m / (1 - s.beta1_power * adam.beta1);
    const double v_hat = v / (1 - s.beta2_power * adam.beta2);
    expected[i] -= adam.learning_rate * m_hat / (std::sqrt(v_hat) + adam.epsilon);
  }
  optimizer.step(net, grads);
  const std::vector<double> actual(net.parameter_values().begin(), net.parameter_values().end());
  CHECK(chaosnet::relative_error(actual, expected) <= 1e-13);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(std::isfinite(actual[i]));
}
