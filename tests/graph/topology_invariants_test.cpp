// The invariant checker: silent on what the edits build, specific about a broken description.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;
using chaosnet::TopologyData;

TEST_CASE("Topology: the invariant checker accepts what the edits and mutations build", "[graph]") {
  Rng rng(11);
  auto t = chaosnet_test::random_dag<Topology<float>>(rng);
  CHECK(t.check_invariants().empty());
  chaosnet::remove_edges(t, 10, chaosnet::EdgeRemoval::random, rng);
  chaosnet::remove_dead_nodes(t);
  CHECK(t.check_invariants().empty());
  t.compact_parameters();
  CHECK(t.check_invariants().empty());
}

TEST_CASE("Topology: a description that breaks an invariant is rejected with the reason", "[graph]") {
  Rng rng(12);
  const auto good = chaosnet_test::random_dag<Topology<double>>(rng).to_data();
  const Topology<double> bare(2, 1);
  using Edit = std::function<void(TopologyData<double>&)>;
  const std::vector<std::pair<std::string, Edit>> cases = {
      {"bias present/absent wrongly",
       [](TopologyData<double>& d) {
         for (auto& n : d.nodes) {
           if (n.kind == NodeKind::normal) n.has_bias = false;
         }
       }},
      {"a parameter id is reused",
       [](TopologyData<double>& d) { d.edges[1].id = d.edges[0].id; }},
      {"kinds out of order",
       [&](TopologyData<double>& d) {
         d = bare.to_data();
         std::swap(d.nodes[1], d.nodes[2]);  // input, leaf, input
       }},
  };
  for (const auto& [reason, edit] : cases) {
    INFO(reason);
    auto data = good;
    edit(data);
    CHECK_THROWS_WITH(Topology<double>(data), Catch::Contains("inconsistent description") &&
                                                  Catch::Contains(reason));
  }
}
