// CandidateGradients: the gradient of every absent edge equals the autodiff gradient of the same
// edge added explicitly with weight 0, summed over the batches; strongest() is the exact top-k
// of the allowed absent pairs whatever the block size.

#include <chaosnet/sparse/candidate_gradients.hpp>

#include "support/random_dag.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using chaosnet::CandidateEdge;
using chaosnet::CandidateGradients;
using chaosnet::Network;
using chaosnet::NodeKind;
using chaosnet::Rng;
using Net = Network<double, 4>;
using chaosnet_test::RandomBatch;

namespace {

/// Every (source, target) position pair the order invariant allows and `net` lacks.
std::vector<CandidateEdge> absent_pairs(const Net& net) {
  std::vector<CandidateEdge> pairs;
  const auto nodes = net.nodes();
  for (std::size_t t = net.input_count(); t < nodes.size(); ++t) {
    for (std::size_t s = 0; s < t && nodes[s].kind != NodeKind::leaf; ++s) {
      if (!net.has_edge(nodes[s].id, nodes[t].id)) pairs.push_back({s, t, 0.0});
    }
  }
  return pairs;
}

}  // namespace

TEST_CASE("CandidateGradients: equals the gradient of the edge added with weight 0",
          "[sparse][candidate_gradients]") {
  Rng rng(5);
  Net net = chaosnet_test::random_dag<Net>(rng);
  std::vector<RandomBatch<4>> batches;
  for (int b = 0; b < 3; ++b) batches.emplace_back(rng, net.input_count(), net.output_count());

  CandidateGradients<double> candidates;
  for (const auto& b : batches) {
    net.compute_gradients(b.ref());
    candidates.add(net);
  }
  REQUIRE(candidates.batches() == 3);

  const std::vector<CandidateEdge> pairs = absent_pairs(net);
  REQUIRE(pairs.size() > 50);
  Net explicit_net = net;
  const auto nodes = net.nodes();
  for (const CandidateEdge& c : pairs) explicit_net.add_edge(nodes[c.source].id, nodes[c.target].id, 0.0);

  std::vector<double> summed(explicit_net.parameter_values().size(), 0.0);
  for (const auto& b : batches) {
    explicit_net.compute_gradients(b.ref());
    const auto g = explicit_net.gradients();
    for (std::size_t i = 0; i < g.size(); ++i) summed[i] += g[i];
  }
  // Slots moved when the explicit network was recorded; look each weight up by its edge.
  const auto explicit_nodes = explicit_net.nodes();
  std::size_t nonzero = 0;
  for (const CandidateEdge& c : pairs) {
    const auto& target = explicit_nodes[c.target];
    const auto it = std::find(target.sources.begin(), target.sources.end(), explicit_nodes[c.source].id);
    REQUIRE(it != target.sources.end());
    const double expected = summed[target.weights[static_cast<std::size_t>(it - target.sources.begin())]];
    const double got = candidates.gradient(c.source, c.target);
    CHECK(std::abs(got - expected) <= 1e-10 * std::max(1e-12, std::abs(expected)) + 1e-300);
    if (std::abs(expected) > 1e-9) ++nonzero;
  }
  CHECK(nonzero > pairs.size() / 2);  // the comparison is not between zeros
}

TEST_CASE("CandidateGradients: an existing edge's value is its weight gradient",
          "[sparse][candidate_gradients]") {
  Rng rng(8);
  Net net = chaosnet_test::random_dag<Net>(rng);
  const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  net.compute_gradients(batch.ref());
  CandidateGradients<double> candidates;
  candidates.add(net);
  const auto g = net.gradients();
  const auto nodes = net.nodes();
  std::size_t checked = 0;
  for (std::size_t t = net.input_count(); t < nodes.size(); ++t) {
    for (std::size_t i = 0; i < nodes[t].sources.size(); ++i) {
      const double expected = g[nodes[t].weights[i]];
      CHECK(candidates.gradient(net.position(nodes[t].sources[i]), t) ==
            Approx(expected).epsilon(1e-12).margin(1e-15));
      ++checked;
    }
  }
  CHECK(checked == net.edge_count());
}

TEST_CASE("CandidateGradients: strongest() is the top-k of the allowed absent pairs for any block",
          "[sparse][candidate_gradients]") {
  Rng rng(13);
  chaosnet_test::DagShape shape;
  shape.normals = 20;
  Net net = chaosnet_test::random_dag<Net>(rng, shape);
  CandidateGradients<double> candidates;
  for (int b = 0; b < 2; ++b) {
    const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
    net.compute_gradients(batch.ref());
    candidates.add(net);
  }
  std::vector<CandidateEdge> expected = absent_pairs(net);
  for (CandidateEdge& c : expected) c.gradient = candidates.gradient(c.source, c.target);
  std::sort(expected.begin(), expected.end(), chaosnet::stronger_candidate);

  for (const std::size_t block : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{512}}) {
    for (const std::size_t k : {std::size_t{1}, std::size_t{10}, expected.size(), expected.size() + 5}) {
      const std::vector<CandidateEdge> got = candidates.strongest(net, k, block);
      REQUIRE(got.size() == std::min(k, expected.size()));
      for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("block " << block << ", k " << k << ", rank " << i);
        CHECK(got[i].source == expected[i].source);
        CHECK(got[i].target == expected[i].target);
        CHECK(got[i].gradient == Approx(expected[i].gradient).epsilon(1e-12).margin(1e-15));
      }
    }
  }
  // Removing an edge after recording makes it a candidate again.
  const auto nodes = net.nodes();
  const std::size_t t = net.input_count() + 2;
  const std::size_t s = net.position(nodes[t].sources.front());
  net.remove_edge(nodes[s].id, nodes[t].id);
  const auto all = candidates.strongest(net, expected.size() + 1);
  CHECK(all.size() == expected.size() + 1);
  CHECK(std::any_of(all.begin(), all.end(), [&](const CandidateEdge& c) { return c.source == s && c.target == t; }));
}

TEST_CASE("CandidateGradients: refuses batches from a different set of nodes",
          "[sparse][candidate_gradients]") {
  Rng rng(2);
  Net net = chaosnet_test::random_dag<Net>(rng);
  const RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  net.compute_gradients(batch.ref());
  CandidateGradients<double> candidates;
  CHECK_THROWS_WITH(candidates.strongest(net, 3), Catch::Contains("no batches"));
  candidates.add(net);
  chaosnet::add_nodes(net, NodeKind::normal, 1, rng);
  CHECK_THROWS_WITH(candidates.strongest(net, 3), Catch::Contains("nodes changed"));
  net.compute_gradients(batch.ref());
  CHECK_THROWS_WITH(candidates.add(net), Catch::Contains("nodes changed"));
  candidates.clear();
  candidates.add(net);
  CHECK(candidates.batches() == 1);
}
