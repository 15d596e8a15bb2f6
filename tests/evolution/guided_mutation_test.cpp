// Guided mutation: at rates 0 it is mutate() bit for bit; gradient growth adds exactly the top-|g|
// absent edges within the cap; rewiring keeps the edge count, drops the smallest |w| and regrows
// by |g|; splitting adds a node without changing the outputs, picking edges in proportion to |w|;
// and hundreds of random guided mutations keep the invariants, the cap and the gradients right.

#include <chaosnet/evolution/guided_mutation.hpp>

#include <support/halves_dataset.hpp>
#include <support/network_finite_differences.hpp>
#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

using chaosnet::CandidateGradients;
using chaosnet::EdgeRemoval;
using chaosnet::MutationOptions;
using chaosnet::MutationReport;
using chaosnet::NodeId;
using chaosnet::NodeKind;
using chaosnet::ParamId;
using chaosnet::Rng;
using Net = chaosnet::Network<double, 4>;

namespace {

using Edge = std::pair<NodeId, NodeId>;

/// Every edge with its weight and parameter id.
std::map<Edge, std::pair<double, ParamId>> edges_of(const Net& net) {
  std::map<Edge, std::pair<double, ParamId>> out;
  for (const auto& e : net.to_data().edges) out[{e.from, e.to}] = {e.weight, e.id};
  return out;
}

/// The whole description as comparable rows: nodes in order, edges in order, next ids.
auto rows_of(const Net& net) {
  const auto data = net.to_data();
  std::vector<std::tuple<NodeId, NodeKind, bool, double, ParamId>> nodes;
  for (const auto& n : data.nodes) nodes.emplace_back(n.id, n.kind, n.has_bias, n.bias, n.bias_id);
  std::vector<std::tuple<NodeId, NodeId, double, ParamId>> edges;
  for (const auto& e : data.edges) edges.emplace_back(e.from, e.to, e.weight, e.id);
  return std::make_tuple(nodes, edges, data.next_node_id, data.next_param_id);
}

/// The edges `after` has and `before` lacks.
std::set<Edge> added_edges(const Net& before, const Net& after) {
  const auto old = edges_of(before);
  std::set<Edge> out;
  for (const auto& [edge, value] : edges_of(after)) {
    if (!old.contains(edge)) out.insert(edge);
  }
  return out;
}

/// The `k` strongest candidates of `gradients` on `net`, as node ids.
std::set<Edge> strongest_ids(const CandidateGradients<double>& gradients, const Net& net, std::size_t k) {
  std::set<Edge> out;
  const auto nodes = net.nodes();
  for (const auto& c : gradients.strongest(net, k)) out.insert({nodes[c.source].id, nodes[c.target].id});
  return out;
}

std::size_t dead_nodes(const Net& net) {
  chaosnet::Topology<double> copy = net;
  return chaosnet::remove_dead_nodes(copy);
}

/// The v0.2 steps off, so only the guided ones change the network.
MutationOptions guided_only() {
  return MutationOptions{0, 0, 0, EdgeRemoval::random};
}

struct Problem {
  Rng rng;
  chaosnet::Dataset data;
  Net net;
  std::vector<std::uint32_t> indices;

  explicit Problem(std::uint64_t seed)
      : rng(seed), data(chaosnet_test::halves(64, rng)), net(chaosnet_test::random_dag<Net>(rng, shape())) {
    for (std::uint32_t i = 0; i < 16; ++i) indices.push_back(static_cast<std::uint32_t>((i * 7 + seed) % 64));
  }
  static chaosnet_test::DagShape shape() { return {.inputs = 8, .outputs = 2, .normals = 6, .extra_edges = 10}; }
  [[nodiscard]] CandidateGradients<double> gradients() { return chaosnet::candidate_gradients_on(net, data, indices); }
};

}  // namespace

TEST_CASE("Guided mutation: candidate_gradients_on sums each batch's gradients without a step",
          "[evolution][guided_mutation]") {
  Problem p(3);
  const auto edges_before = edges_of(p.net);
  const CandidateGradients<double> gradients = p.gradients();
  CHECK(gradients.batches() == 4);
  CHECK(edges_of(p.net) == edges_before);  // recording compacts the slots, but nothing is stepped

  // For an existing edge the candidate gradient is its weight gradient, summed over the batches.
  std::vector<double> summed(p.net.parameter_values().size(), 0.0);
  chaosnet::DatasetBatch<4> batch;
  for (std::size_t first = 0; first < p.indices.size(); first += 4) {
    batch.fill(p.data, std::span<const std::uint32_t>(p.indices).subspan(first, 4));
    p.net.compute_gradients({batch.rows(), batch.labels()});
    for (std::size_t i = 0; i < summed.size(); ++i) summed[i] += p.net.gradients()[i];
  }
  std::size_t checked = 0;
  for (const auto& n : p.net.nodes()) {
    for (std::size_t i = 0; i < n.sources.size(); ++i, ++checked) {
      CHECK(gradients.gradient(p.net.position(n.sources[i]), p.net.position(n.id)) ==
            Approx(summed[n.weights[i]]).margin(1e-12));
    }
  }
  CHECK(checked == p.net.edge_count());

  const std::vector<std::uint32_t> partial{0, 1, 2, 3, 4};
  CHECK_THROWS_WITH(chaosnet::candidate_gradients_on(p.net, p.data, partial), Catch::Contains("whole batches of 4"));
  CHECK_THROWS_WITH(chaosnet::candidate_gradients_on(p.net, p.data, {}), Catch::Contains("whole batches"));
}

TEST_CASE("Guided mutation: with the guided rates at 0 it is mutate() bit for bit", "[evolution][guided_mutation]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    Problem p(seed);
    const CandidateGradients<double> gradients = p.gradients();
    MutationOptions options;  // the v0.2 rates
    options.prune_policy = seed % 2 == 0 ? EdgeRemoval::random : EdgeRemoval::smallest_magnitude;
    // Without gradients, growth and rewiring are off too, whatever their rates.
    MutationOptions ungraded = options;
    ungraded.grow_rate = 0.5;
    ungraded.rewire_rate = 0.5;
    const std::size_t cap = seed % 3 == 0 ? 0 : p.net.edge_count() + 4;
    Net a = p.net, b = p.net, c = p.net;
    Rng ra = p.rng, rb = p.rng, rc = p.rng;
    for (int step = 0; step < 20; ++step) {
      INFO("seed " << seed << " step " << step);
      const MutationReport x = chaosnet::mutate(a, options, ra, cap);
      const MutationReport y = chaosnet::mutate_guided(b, options, rb, cap, &gradients);
      const MutationReport z = chaosnet::mutate_guided(c, ungraded, rc, cap, nullptr);
      REQUIRE(rows_of(a) == rows_of(b));
      REQUIRE(rows_of(a) == rows_of(c));
      REQUIRE(ra == rb);
      REQUIRE(ra == rc);
      for (const MutationReport& r : {y, z}) {
        CHECK(r.nodes_added == x.nodes_added);
        CHECK(r.edges_pruned == x.edges_pruned);
        CHECK(r.edges_grown + r.edges_rewired + r.nodes_split == 0);
      }
    }
  }
}

TEST_CASE("Guided mutation: gradient growth adds exactly the top-|g| absent edges, within the cap",
          "[evolution][guided_mutation]") {
  Problem p(21);
  const CandidateGradients<double> gradients = p.gradients();
  const auto old = edges_of(p.net);
  const ParamId first_new_id = p.net.to_data().next_param_id;
  MutationOptions options = guided_only();
  options.grow_rate = 0.5;
  std::size_t grown = 0;
  for (int trial = 0; trial < 10; ++trial) {
    Net net = p.net;
    const MutationReport report = chaosnet::mutate_guided(net, options, p.rng, 0, &gradients);
    INFO("trial " << trial << ": " << report.edges_grown << " grown");
    CHECK(net.check_invariants().empty());
    CHECK(net.edge_count() == p.net.edge_count() + report.edges_grown);
    CHECK(added_edges(p.net, net) == strongest_ids(gradients, p.net, report.edges_grown));
    for (const auto& [edge, value] : edges_of(net)) {
      if (old.contains(edge)) {
        CHECK(value == old.at(edge));  // every old edge keeps its weight and id
      } else {
        CHECK(value.first == 0.0);
        CHECK(value.second >= first_new_id);
      }
    }
    grown += report.edges_grown;
  }
  CHECK(grown > 10);

  options.grow_rate = 1;
  for (const std::size_t headroom : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    const std::size_t cap = p.net.edge_count() + headroom;
    bool reached = false;
    for (int trial = 0; trial < 10; ++trial) {
      Net net = p.net;
      const MutationReport report = chaosnet::mutate_guided(net, options, p.rng, cap, &gradients);
      INFO("headroom " << headroom << " trial " << trial);
      CHECK(report.edges_grown <= headroom);
      CHECK(net.edge_count() <= cap);
      CHECK(report.edges_capped == 0);
      CHECK(added_edges(p.net, net) == strongest_ids(gradients, p.net, report.edges_grown));
      reached = reached || report.edges_grown == headroom;
    }
    CHECK(reached);
  }
}

TEST_CASE("Guided mutation: rewiring keeps the edge count, drops the smallest |w| and regrows by |g|",
          "[evolution][guided_mutation]") {
  std::size_t rewired = 0, exact = 0;
  for (std::uint64_t seed = 30; seed < 40; ++seed) {
    Problem p(seed);
    const CandidateGradients<double> gradients = p.gradients();
    MutationOptions options = guided_only();
    options.rewire_rate = 0.6;
    Net net = p.net;
    const MutationReport report = chaosnet::mutate_guided(net, options, p.rng, 0, &gradients);
    INFO("seed " << seed);
    REQUIRE(net.check_invariants().empty());
    CHECK(dead_nodes(net) == 0);
    CHECK(report.edges_grown == 0);
    rewired += report.edges_rewired;
    if (report.nodes_removed != 0) continue;  // a drop cut a node off: its edges went with it
    ++exact;
    CHECK(net.edge_count() == p.net.edge_count());
    const std::set<Edge> added = added_edges(p.net, net);
    CHECK(added.size() == report.edges_rewired);
    CHECK(added == strongest_ids(gradients, p.net, report.edges_rewired));
    // Every dropped edge is no heavier than any surviving old edge.
    const auto now = edges_of(net);
    double heaviest_dropped = 0, lightest_kept = std::numeric_limits<double>::infinity();
    for (const auto& [edge, value] : edges_of(p.net)) {
      const double magnitude = std::abs(value.first);
      if (now.contains(edge)) {
        lightest_kept = std::min(lightest_kept, magnitude);
      } else {
        heaviest_dropped = std::max(heaviest_dropped, magnitude);
      }
    }
    CHECK(heaviest_dropped <= lightest_kept);
    for (const Edge& e : added) CHECK(net.weight(e.first, e.second) == 0.0);
  }
  CHECK(rewired > 10);
  CHECK(exact >= 5);
}

TEST_CASE("Guided mutation: splitting adds nodes without changing the outputs", "[evolution][guided_mutation]") {
  Rng rng(8);
  auto net = chaosnet_test::random_dag<Net>(rng, Problem::shape());
  const chaosnet_test::RandomBatch<4> batch(rng, net.input_count(), net.output_count());
  std::vector<Net::Batch> before(net.output_count()), after(net.output_count());
  net.predict_logits(batch.rows, before);
  const auto old = edges_of(net);
  const auto old_nodes = std::get<0>(rows_of(net));

  MutationOptions options = guided_only();
  options.split_rate = 0.5;
  Net split = net;
  MutationReport report;
  while (report.nodes_split == 0) report = chaosnet::mutate_guided(split, options, rng, 0, nullptr);
  INFO(report.nodes_split << " nodes split");
  REQUIRE(split.check_invariants().empty());
  CHECK(split.normal_count() == net.normal_count() + report.nodes_split);
  CHECK(split.edge_count() == net.edge_count() + 2 * report.nodes_split);
  split.predict_logits(batch.rows, after);
  for (std::size_t c = 0; c < before.size(); ++c) CHECK((after[c] - before[c]).abs().maxCoeff() <= 1e-12);

  // Old parameters keep their values and ids; each new node sits on a parallel path s → n → t.
  for (const auto& [edge, value] : old) CHECK(edges_of(split).at(edge) == value);
  for (const auto& n : old_nodes) {
    if (std::get<2>(n)) CHECK(split.bias(std::get<0>(n)) == std::get<3>(n));
  }
  std::size_t fresh = 0;
  for (const auto& n : split.nodes()) {
    if (net.contains(n.id)) continue;
    ++fresh;
    REQUIRE(n.sources.size() == 1);
    REQUIRE(n.targets.size() == 1);
    const NodeId s = n.sources[0], t = n.targets[0];
    CHECK(split.position(s) < split.position(n.id));
    CHECK(split.position(n.id) < split.position(t));
    CHECK(split.weight(s, n.id) == net.weight(s, t));
    CHECK(split.weight(n.id, t) == 0.0);
    CHECK(split.bias(n.id) == 0.0);
  }
  CHECK(fresh == report.nodes_split);

  // Under a cap, splits only take the room there is (two edges each).
  options.split_rate = 1;
  for (int trial = 0; trial < 10; ++trial) {
    Net capped = net;
    const MutationReport r = chaosnet::mutate_guided(capped, options, rng, net.edge_count() + 3, nullptr);
    CHECK(r.nodes_split <= 1);
    CHECK(capped.edge_count() <= net.edge_count() + 3);
  }
}

TEST_CASE("Guided mutation: split_strong_edges picks edges in proportion to |w|", "[evolution][guided_mutation]") {
  chaosnet::Topology<double> net(2, 1);
  const NodeId in0 = net.nodes()[0].id, in1 = net.nodes()[1].id, leaf = net.nodes()[2].id;
  net.add_edge(in0, leaf, 1.0);
  net.add_edge(in1, leaf, -3.0);
  Rng rng(4);
  constexpr int trials = 4000;
  int heavy = 0;
  for (int i = 0; i < trials; ++i) {
    auto copy = net;
    REQUIRE(chaosnet::split_strong_edges(copy, 1, rng) == 1);
    heavy += copy.node(in1).targets.size() == 2 ? 1 : 0;
  }
  // Expected 0.75; three standard deviations are 0.02.
  CHECK(static_cast<double>(heavy) / trials == Approx(0.75).margin(0.02));
  // Without replacement: asking for more splits than edges splits each edge once.
  auto copy = net;
  CHECK(chaosnet::split_strong_edges(copy, 5, rng) == 2);
  CHECK(copy.normal_count() == 2);
  CHECK(copy.node(in0).targets.size() == 2);
  CHECK(copy.node(in1).targets.size() == 2);
}

TEST_CASE("Guided mutation: 500 random guided mutations keep invariants, the cap and the gradients",
          "[evolution][guided_mutation]") {
  Problem p(5);
  Rng& rng = p.rng;
  const chaosnet_test::RandomBatch<4> check(rng, p.net.input_count(), p.net.output_count());
  std::size_t grown = 0, rewired = 0, split = 0, added = 0, with_normals = 0;
  for (int step = 0; step < 500; ++step) {
    MutationOptions options;
    // node_rate up to 0.3: with ~10-20 nodes a smaller rate rarely adds a whole node, and whether
    // any are added would hang on the trajectory (it did under -O1's different rounding).
    options.node_rate = chaosnet::util::uniform_real(rng, 0.0, 0.3);
    options.edge_rate = chaosnet::util::uniform_real(rng, 0.0, 0.2);
    options.prune_rate = chaosnet::util::uniform_real(rng, 0.0, 0.3);
    options.prune_policy = chaosnet::util::bernoulli(rng, 0.5) ? EdgeRemoval::random : EdgeRemoval::smallest_magnitude;
    options.grow_rate = chaosnet::util::uniform_real(rng, 0.0, 0.3);
    options.rewire_rate = chaosnet::util::uniform_real(rng, 0.0, 0.3);
    options.split_rate = chaosnet::util::uniform_real(rng, 0.0, 0.1);
    const std::size_t cap = chaosnet::util::bernoulli(rng, 0.5) ? 30 + chaosnet::util::uniform_index(rng, 100) : 0;
    const CandidateGradients<double> gradients = p.gradients();
    const MutationReport report =
        chaosnet::mutate_guided(p.net, options, rng, cap, step % 5 == 4 ? nullptr : &gradients);
    const std::string violation = p.net.check_invariants();
    INFO("step " << step << ": " << violation);
    REQUIRE(violation.empty());
    REQUIRE(dead_nodes(p.net) == 0);
    if (cap != 0) REQUIRE(p.net.edge_count() <= cap);
    grown += report.edges_grown;
    rewired += report.edges_rewired;
    split += report.nodes_split;
    added += report.nodes_added;
    if (p.net.normal_count() > 0) ++with_normals;
    if (step % 50 == 49) REQUIRE(chaosnet_test::network_gradient_error(p.net, check.ref()) <= 1e-6);
  }
  INFO("grown " << grown << ", rewired " << rewired << ", split " << split << ", added " << added);
  CHECK(grown > 100);
  CHECK(rewired > 100);
  CHECK(split > 10);
  CHECK(added > 10);
  INFO(with_normals << " steps ended with normal nodes");
  CHECK(with_normals > 100);
}

TEST_CASE("Guided mutation: guided rates outside [0, 1] are rejected by name", "[evolution][guided_mutation]") {
  Net net(4, 2);
  Rng rng(5);
  MutationOptions options = guided_only();
  options.grow_rate = 1.5;
  CHECK_THROWS_WITH(chaosnet::mutate_guided(net, options, rng, 0, nullptr), Catch::Contains("grow_rate must lie in [0, 1]"));
  options.grow_rate = 0;
  options.rewire_rate = -0.1;
  CHECK_THROWS_WITH(chaosnet::mutate_guided(net, options, rng, 0, nullptr), Catch::Contains("rewire_rate"));
  options.rewire_rate = 0;
  options.split_rate = std::nan("");
  CHECK_THROWS_WITH(chaosnet::mutate(net, options, rng), Catch::Contains("split_rate"));
}

TEST_CASE("Guided mutation: gradients recorded on other nodes are refused before any edit",
          "[evolution][guided_mutation]") {
  Problem p(9);
  const CandidateGradients<double> gradients = p.gradients();
  chaosnet::add_nodes(p.net, NodeKind::normal, 1, p.rng);
  const auto before = rows_of(p.net);
  MutationOptions options;
  options.grow_rate = 0.5;
  CHECK_THROWS_WITH(chaosnet::mutate_guided(p.net, options, p.rng, 0, &gradients), Catch::Contains("nodes changed"));
  CHECK(rows_of(p.net) == before);
}
