// Topology: construction, edge maps, the edits that keep its invariants, compaction and the
// plain description.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <vector>

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

TEST_CASE("Topology: add_edge and remove_edge keep both edge maps", "[graph]") {
  Topology<double> t(3, 2);
  Rng rng(3);
  const auto hidden = chaosnet::add_nodes(t, NodeKind::normal, 1, rng);
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

TEST_CASE("Topology: insert_nodes places nodes without edges in their kind's block", "[graph]") {
  chaosnet::TopologyOptions options;
  options.leaf_bias = true;
  Topology<double> t(3, 2, options);
  const auto first = t.insert_nodes(NodeKind::normal, 2, 0);
  const auto middle = t.insert_nodes(NodeKind::normal, 1, 1);  // between the first two
  const auto input = t.insert_nodes(NodeKind::input, 1, 3);
  const auto leaf = t.insert_nodes(NodeKind::leaf, 1, 0);
  REQUIRE(t.check_invariants().empty());
  CHECK(t.input_count() == 4);
  CHECK(t.normal_count() == 3);
  CHECK(t.output_count() == 3);
  CHECK(t.position(input[0]) == 3);
  CHECK(t.position(first[0]) == 4);
  CHECK(t.position(middle[0]) == 5);
  CHECK(t.position(first[1]) == 6);
  CHECK(t.position(leaf[0]) == 7);
  CHECK(t.edge_count() == 0);
  for (const auto id : {first[0], first[1], middle[0], leaf[0]}) CHECK(t.bias(id) == 0.0);
  CHECK(t.node(input[0]).bias == chaosnet::no_param);
  CHECK(t.parameter_count() == 2 + 3 + 1);  // the leaves' and the normals' biases
  CHECK_THROWS_AS(t.insert_nodes(NodeKind::normal, 1, 4), std::out_of_range);
  CHECK(t.normal_count() == 3);
}

TEST_CASE("Topology: add_edge returns the slot of the new weight", "[graph]") {
  Topology<double> t(2, 1);
  const auto slot = t.add_edge(t.nodes()[1].id, t.nodes()[2].id, 0.75);
  CHECK(t.parameter_values()[slot] == 0.75);
  CHECK(t.nodes()[2].weights == std::vector<chaosnet::ParamSlot>{slot});
}

TEST_CASE("Topology: remove_nodes takes normals with all their edges and parameters", "[graph]") {
  Topology<double> t(1, 1);
  const auto in = t.nodes()[0].id;
  const auto leaf = t.nodes()[1].id;
  const auto hidden = t.insert_nodes(NodeKind::normal, 2, 0);
  t.add_edge(in, hidden[0], 1.0);
  t.add_edge(in, hidden[1], 2.0);
  t.add_edge(hidden[0], hidden[1], 3.0);
  t.add_edge(hidden[0], leaf, 4.0);
  t.add_edge(hidden[1], leaf, 5.0);
  const auto version = t.version();
  CHECK_THROWS_AS(t.remove_nodes(std::vector<chaosnet::NodeId>{hidden[0], leaf}), std::invalid_argument);
  CHECK_THROWS_AS(t.remove_nodes(std::vector<chaosnet::NodeId>{hidden[0], 99}), std::out_of_range);
  CHECK(t.normal_count() == 2);  // a rejected call changes nothing
  CHECK(t.version() == version);

  t.remove_nodes(std::vector<chaosnet::NodeId>{hidden[0]});
  REQUIRE(t.check_invariants().empty());
  CHECK(!t.contains(hidden[0]));
  CHECK(t.normal_count() == 1);
  CHECK(t.edge_count() == 2);
  CHECK(t.parameter_count() == 3);  // two weights and the surviving bias
  CHECK(t.weight(in, hidden[1]) == 2.0);
  CHECK(t.weight(hidden[1], leaf) == 5.0);
  CHECK(t.node(in).targets == std::vector<chaosnet::NodeId>{hidden[1]});
  CHECK(t.version() > version);
}

TEST_CASE("Topology: compact_parameters keeps ids and values and sorts sources", "[graph]") {
  Rng rng(9);
  auto t = chaosnet_test::random_dag<Topology<double>>(rng);
  chaosnet::remove_edges(t, 6, EdgeRemoval::random, rng);
  chaosnet::add_random_edges(t, 4, rng);  // reuses freed slots out of topological order
  REQUIRE_FALSE(t.parameters_compact());
  auto by_id = [](const Topology<double>& net) {
    std::map<chaosnet::ParamId, double> values;
    for (std::size_t slot = 0; slot < net.parameter_ids().size(); ++slot) {
      if (net.parameter_ids()[slot] != 0) values[net.parameter_ids()[slot]] = net.parameter_values()[slot];
    }
    return values;
  };
  const auto before = by_id(t);
  const auto version = t.version();
  t.compact_parameters();
  REQUIRE(t.check_invariants().empty());
  CHECK(t.parameters_compact());
  CHECK(t.version() > version);
  CHECK(by_id(t) == before);
  CHECK(t.parameter_values().size() == t.parameter_count());  // no free slots left
  chaosnet::ParamSlot next = 0;
  for (const auto& n : t.nodes()) {
    if (n.bias != chaosnet::no_param) {
      CHECK(n.bias == next);
      ++next;
    }
    for (std::size_t i = 0; i < n.sources.size(); ++i, ++next) {
      CHECK(n.weights[i] == next);  // a node's weights are contiguous, after its bias
      if (i > 0) CHECK(t.position(n.sources[i - 1]) < t.position(n.sources[i]));
    }
  }
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
  chaosnet::add_nodes(clone, NodeKind::normal, 5, rng);
  CHECK(original.normal_count() + 5 == clone.normal_count());
  CHECK(original.check_invariants().empty());
}

TEST_CASE("Topology: round trip through TopologyData keeps ids and values", "[graph]") {
  Rng rng(7);
  auto t = chaosnet_test::random_dag<Topology<float>>(rng);
  chaosnet::remove_edges(t, 5, EdgeRemoval::random, rng);
  chaosnet::remove_dead_nodes(t);
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

