// Topology: construction, edge maps, mutations and their invariants.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using chaosnet::EdgeRemoval;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;

TEST_CASE("Topology: seed v0.2 construction gives about 100 input->leaf edges", "[graph]") {
  Rng rng(1);
  double total = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const Topology<float> t(784, 10, rng);
    CHECK(t.check_invariants().empty());
    CHECK(t.node_count() == 794);
    CHECK(t.normal_count() == 0);
    for (std::size_t p = 0; p < 784; ++p) CHECK(t.nodes()[p].targets.size() <= 1);
    total += static_cast<double>(t.edge_count());
  }
  CHECK(total / 20 == Approx(100).margin(6));  // 784 inputs × 100/784, binomial sd ≈ 10/√20
}

TEST_CASE("Topology: add_nodes inserts normals in order with 10 in and 10 out edges", "[graph]") {
  Rng rng(2);
  Topology<double> t(50, 10, rng);
  const std::size_t edges_before = t.edge_count();
  const auto ids = t.add_nodes(NodeKind::normal, 30, rng);
  REQUIRE(t.check_invariants().empty());
  CHECK(t.normal_count() == 30);
  // The 30 new nodes are contiguous, inside the normal block.
  const std::size_t first = t.position(ids.front());
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(t.position(ids[i]) == first + i);
  CHECK(first >= 50);
  // Each new node creates 10 outgoing and 10 incoming edges (never a duplicate: there are always
  // enough candidates here), and may receive more from the nodes added after it.
  CHECK(t.edge_count() - edges_before == 30 * 20);
  for (const auto id : ids) {
    CHECK(t.node(id).sources.size() >= 10);
    CHECK(t.node(id).targets.size() >= 10);
  }
}

TEST_CASE("Topology: add_edge and remove_edge keep both edge maps", "[graph]") {
  Topology<double> t(3, 2);
  Rng rng(3);
  const auto hidden = t.add_nodes(NodeKind::normal, 1, rng);
  const auto in = t.nodes()[0].id;
  const auto leaf = t.nodes().back().id;
  const std::size_t edges = t.edge_count();
  t.add_edge(in, leaf, 0.25);
  CHECK(t.has_edge(in, leaf));
  CHECK(t.weight(in, leaf) == 0.25);
  CHECK(t.edge_count() == edges + 1);
  CHECK_THROWS_WITH(t.add_edge(in, leaf, 1.0), Catch::Contains("already exists"));
  CHECK_THROWS_WITH(t.add_edge(leaf, hidden[0], 1.0), Catch::Contains("starts at a leaf"));
  CHECK_THROWS_WITH(t.add_edge(hidden[0], in, 1.0), Catch::Contains("ends at an input"));
  CHECK(t.remove_edge(in, leaf));
  CHECK(!t.remove_edge(in, leaf));
  CHECK(!t.has_edge(in, leaf));
  CHECK(t.check_invariants().empty());
}

TEST_CASE("Topology: remove_dead_nodes cascades through chains", "[graph]") {
  Rng rng(4);
  // Build input → a → b → c → leaf by hand on top of a bare topology.
  Topology<double> chain(2, 1);
  const auto in = chain.nodes()[0].id;
  const auto leaf = chain.nodes()[2].id;
  std::vector<chaosnet::NodeId> hidden;
  for (int i = 0; i < 3; ++i) {
    auto ids = chain.add_nodes(NodeKind::normal, 1, rng);  // default options add random edges
    hidden.push_back(ids[0]);
  }
  // Remove every edge, then wire the chain explicitly in position order.
  while (chain.edge_count() > 0) chain.remove_edges(chain.edge_count(), EdgeRemoval::random, rng);
  std::vector<chaosnet::NodeId> ordered = hidden;
  std::sort(ordered.begin(), ordered.end(),
            [&](auto a, auto b) { return chain.position(a) < chain.position(b); });
  chain.add_edge(in, ordered[0], 1.0);
  chain.add_edge(ordered[0], ordered[1], 1.0);
  chain.add_edge(ordered[1], ordered[2], 1.0);
  chain.add_edge(ordered[2], leaf, 1.0);
  CHECK(chain.remove_dead_nodes() == 0);

  SECTION("cutting the last edge kills the whole chain") {
    chain.remove_edge(ordered[2], leaf);
    CHECK(chain.remove_dead_nodes() == 3);
    CHECK(chain.normal_count() == 0);
    CHECK(chain.edge_count() == 0);
  }
  SECTION("cutting the first edge kills it too: no input reaches it") {
    chain.remove_edge(in, ordered[0]);
    CHECK(chain.remove_dead_nodes() == 3);
  }
  SECTION("a side branch that reaches no leaf goes, the chain stays") {
    chain.add_edge(ordered[0], ordered[2], 0.5);
    chain.remove_edge(ordered[1], ordered[2]);
    CHECK(chain.remove_dead_nodes() == 1);  // ordered[1] can no longer reach a leaf
    CHECK(chain.normal_count() == 2);
  }
  CHECK(chain.check_invariants().empty());
  CHECK(chain.parameter_count() == chain.edge_count() + chain.normal_count());
}

TEST_CASE("Topology: remove_edges by smallest magnitude removes exactly the smallest", "[graph]") {
  Rng rng(5);
  auto t = chaosnet_test::random_dag<Topology<double>>(rng);
  std::vector<double> magnitudes;
  for (const auto& n : t.nodes()) {
    for (const auto s : n.sources) magnitudes.push_back(std::abs(t.weight(s, n.id)));
  }
  std::sort(magnitudes.begin(), magnitudes.end());
  const std::size_t remove = magnitudes.size() / 3;
  CHECK(t.remove_edges(remove, EdgeRemoval::smallest_magnitude, rng) == remove);
  double smallest_left = 1e9;
  for (const auto& n : t.nodes()) {
    for (const auto s : n.sources) smallest_left = std::min(smallest_left, std::abs(t.weight(s, n.id)));
  }
  CHECK(smallest_left >= magnitudes[remove - 1]);
  CHECK(t.check_invariants().empty());
}

TEST_CASE("Topology: a clone has independent parameters", "[graph]") {
  Rng rng(6);
  auto original = chaosnet_test::random_dag<Topology<double>>(rng);
  Topology<double> clone = original;
  const auto& n = clone.nodes().back();
  const auto source = n.sources.front();
  const double before = original.weight(source, n.id);
  clone.set_weight(source, n.id, before + 1.0);
  CHECK(original.weight(source, n.id) == before);
  clone.add_nodes(NodeKind::normal, 5, rng);
  CHECK(original.normal_count() + 5 == clone.normal_count());
  CHECK(original.check_invariants().empty());
}

TEST_CASE("Topology: round trip through TopologyData keeps ids and values", "[graph]") {
  Rng rng(7);
  auto t = chaosnet_test::random_dag<Topology<float>>(rng);
  t.remove_edges(5, EdgeRemoval::random, rng);
  t.remove_dead_nodes();
  const Topology<float> copy(t.to_data());
  REQUIRE(copy.node_count() == t.node_count());
  for (std::size_t p = 0; p < t.node_count(); ++p) {
    const auto& a = t.nodes()[p];
    const auto& b = copy.nodes()[p];
    CHECK(a.id == b.id);
    CHECK(a.sources == b.sources);
    for (const auto s : a.sources) CHECK(t.weight(s, a.id) == copy.weight(s, b.id));
  }
  auto broken = t.to_data();
  broken.edges.push_back(broken.edges.front());
  CHECK_THROWS_WITH(Topology<float>(broken), Catch::Contains("duplicate") || Catch::Contains("reused"));
}

TEST_CASE("Topology: invariants hold after 10,000 random mutations", "[graph][mutation]") {
  Rng rng(8);
  chaosnet::TopologyOptions options;
  options.new_node_edges_in = 4;
  options.new_node_edges_out = 4;
  options.leaf_bias = true;
  chaosnet::Network<double, 2> net(20, 4, rng, options);
  std::set<chaosnet::ParamId> retired, previous;
  chaosnet_test::RandomBatch<2> batch(rng, 20, 4);
  for (int step = 0; step < 10000; ++step) {
    switch (chaosnet::util::uniform_index(rng, 7)) {
      case 0: net.add_nodes(NodeKind::normal, 1 + chaosnet::util::uniform_index(rng, 3), rng); break;
      case 1: net.add_random_edges(1 + chaosnet::util::uniform_index(rng, 6), rng); break;
      case 2: net.remove_edges(1 + chaosnet::util::uniform_index(rng, 6), EdgeRemoval::random, rng); break;
      case 3: net.remove_edges(1 + chaosnet::util::uniform_index(rng, 6), EdgeRemoval::smallest_magnitude, rng); break;
      case 4: net.remove_dead_nodes(); break;
      case 5: net.compact_parameters(); break;
      default: {
        const auto& nodes = net.nodes();
        const auto& a = nodes[chaosnet::util::uniform_index(rng, nodes.size())];
        const auto& b = nodes[chaosnet::util::uniform_index(rng, nodes.size())];
        if (net.has_edge(a.id, b.id)) {
          net.remove_edge(a.id, b.id);
        } else if (a.kind != NodeKind::leaf && b.kind != NodeKind::input &&
                   net.position(a.id) < net.position(b.id)) {
          net.add_edge(a.id, b.id, 0.1);
        }
      }
    }
    if (net.edge_count() > 300) net.remove_edges(100, EdgeRemoval::random, rng);
    INFO("step " << step);
    REQUIRE(net.check_invariants().empty());
    // Parameter ids are never reused: a retired id must not come back.
    if (step % 100 == 0) {
      std::set<chaosnet::ParamId> live;
      for (const auto id : net.parameter_ids()) {
        if (id != 0) live.insert(id);
      }
      for (const auto id : previous) {
        if (live.count(id) == 0) retired.insert(id);
      }
      for (const auto id : live) REQUIRE(retired.count(id) == 0);
      previous = live;
      const auto loss = net.compute_gradients(batch.ref());
      REQUIRE(std::isfinite(loss));
      for (const double g : net.gradients()) REQUIRE(std::isfinite(g));
    }
  }
  CHECK(net.normal_count() > 0);
}
