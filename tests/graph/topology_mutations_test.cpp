// The grow and prune operators: where they put nodes and edges, what they remove, that they
// keep every invariant, and that a seed always gives the same network.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/util/fnv1a.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

using chaosnet::EdgeRemoval;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;

TEST_CASE("Topology: add_nodes inserts normals in order with 10 in and 10 out edges", "[graph]") {
  Rng rng(2);
  Topology<double> t(50, 10, rng);
  const std::size_t edges_before = t.edge_count();
  const auto ids = chaosnet::add_nodes(t, NodeKind::normal, 30, rng);
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

TEST_CASE("Topology: remove_dead_nodes cascades through chains", "[graph]") {
  Rng rng(4);
  // Build input → a → b → c → leaf by hand on top of a bare topology.
  Topology<double> chain(2, 1);
  const auto in = chain.nodes()[0].id;
  const auto leaf = chain.nodes()[2].id;
  std::vector<chaosnet::NodeId> hidden;
  for (int i = 0; i < 3; ++i) {
    auto ids = chaosnet::add_nodes(chain, NodeKind::normal, 1, rng);  // default options add random edges
    hidden.push_back(ids[0]);
  }
  // Remove every edge, then wire the chain explicitly in position order.
  while (chain.edge_count() > 0) chaosnet::remove_edges(chain, chain.edge_count(), EdgeRemoval::random, rng);
  std::vector<chaosnet::NodeId> ordered = hidden;
  std::sort(ordered.begin(), ordered.end(),
            [&](auto a, auto b) { return chain.position(a) < chain.position(b); });
  chain.add_edge(in, ordered[0], 1.0);
  chain.add_edge(ordered[0], ordered[1], 1.0);
  chain.add_edge(ordered[1], ordered[2], 1.0);
  chain.add_edge(ordered[2], leaf, 1.0);
  CHECK(chaosnet::remove_dead_nodes(chain) == 0);

  SECTION("cutting the last edge kills the whole chain") {
    chain.remove_edge(ordered[2], leaf);
    CHECK(chaosnet::remove_dead_nodes(chain) == 3);
    CHECK(chain.normal_count() == 0);
    CHECK(chain.edge_count() == 0);
  }
  SECTION("cutting the first edge kills it too: no input reaches it") {
    chain.remove_edge(in, ordered[0]);
    CHECK(chaosnet::remove_dead_nodes(chain) == 3);
  }
  SECTION("a side branch that reaches no leaf goes, the chain stays") {
    chain.add_edge(ordered[0], ordered[2], 0.5);
    chain.remove_edge(ordered[1], ordered[2]);
    CHECK(chaosnet::remove_dead_nodes(chain) == 1);  // ordered[1] can no longer reach a leaf
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
  CHECK(chaosnet::remove_edges(t, remove, EdgeRemoval::smallest_magnitude, rng) == remove);
  double smallest_left = 1e9;
  for (const auto& n : t.nodes()) {
    for (const auto s : n.sources) smallest_left = std::min(smallest_left, std::abs(t.weight(s, n.id)));
  }
  CHECK(smallest_left >= magnitudes[remove - 1]);
  CHECK(t.check_invariants().empty());
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
      case 0: chaosnet::add_nodes(net, NodeKind::normal, 1 + chaosnet::util::uniform_index(rng, 3), rng); break;
      case 1: chaosnet::add_random_edges(net, 1 + chaosnet::util::uniform_index(rng, 6), rng); break;
      case 2: chaosnet::remove_edges(net, 1 + chaosnet::util::uniform_index(rng, 6), EdgeRemoval::random, rng); break;
      case 3: chaosnet::remove_edges(net, 1 + chaosnet::util::uniform_index(rng, 6), EdgeRemoval::smallest_magnitude, rng); break;
      case 4: chaosnet::remove_dead_nodes(net); break;
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
    if (net.edge_count() > 300) chaosnet::remove_edges(net, 100, EdgeRemoval::random, rng);
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

TEST_CASE("Topology: add_nodes appends inputs and leaves without edges", "[graph]") {
  Rng rng(10);
  chaosnet::TopologyOptions options;
  options.leaf_bias = true;
  options.init = chaosnet::WeightInit::uniform(0.5, 1.0);
  Topology<double> t(3, 2, rng, options);
  const std::size_t edges = t.edge_count();
  const auto inputs = chaosnet::add_nodes(t, NodeKind::input, 2, rng);
  const auto leaves = chaosnet::add_nodes(t, NodeKind::leaf, 1, rng);
  REQUIRE(t.check_invariants().empty());
  CHECK(t.position(inputs[0]) == 3);
  CHECK(t.position(inputs[1]) == 4);
  CHECK(t.position(leaves[0]) == t.node_count() - 1);
  CHECK(t.edge_count() == edges);
  CHECK(t.node(inputs[0]).bias == chaosnet::no_param);
  CHECK(t.bias(leaves[0]) >= 0.5);  // drawn from the initialiser, not left at 0
  CHECK(t.bias(leaves[0]) < 1.0);
}

TEST_CASE("Topology: a seed gives the same grown and pruned network bit for bit", "[graph]") {
  // The hash was taken before the operators moved out of Topology; a change in what is drawn,
  // or in which order, changes it.
  Rng rng(2026);
  const chaosnet::TopologyOptions options{.init = chaosnet::WeightInit::uniform(-1.0, 1.0),
                                           .leaf_bias = true,
                                           .input_edges = 6,
                                           .new_node_edges_in = 3,
                                           .new_node_edges_out = 4};
  Topology<double> t(10, 3, rng, options);
  chaosnet::add_nodes(t, NodeKind::normal, 6, rng);
  chaosnet::add_random_edges(t, 15, rng);
  chaosnet::remove_edges(t, 8, EdgeRemoval::random, rng);
  chaosnet::add_nodes(t, NodeKind::normal, 3, rng);
  chaosnet::remove_edges(t, 5, EdgeRemoval::smallest_magnitude, rng);
  chaosnet::remove_dead_nodes(t);
  chaosnet::add_nodes(t, NodeKind::leaf, 1, rng);
  chaosnet::add_nodes(t, NodeKind::input, 1, rng);
  chaosnet::add_random_edges(t, 10, rng);
  chaosnet::util::Fnv1a64 hash;
  const auto data = t.to_data();
  for (const auto& n : data.nodes) {
    for (const std::uint64_t word : {std::uint64_t{n.id}, static_cast<std::uint64_t>(n.kind),
                                     std::uint64_t{n.has_bias}, std::bit_cast<std::uint64_t>(n.bias),
                                     n.bias_id}) {
      hash.add_word(word);
    }
  }
  for (const auto& e : data.edges) {
    for (const std::uint64_t word : {std::uint64_t{e.from}, std::uint64_t{e.to},
                                     std::bit_cast<std::uint64_t>(e.weight), e.id}) {
      hash.add_word(word);
    }
  }
  hash.add_word(data.next_node_id);
  hash.add_word(data.next_param_id);
  CHECK(t.node_count() == 24);
  CHECK(t.edge_count() == 75);
  CHECK(chaosnet::util::hex64(hash.value()) == "a264e3706ee6781c");
  CHECK(rng() == 7168065062851966429ULL);  // and as many draws as before
}

TEST_CASE("Topology: redraw_parameters keeps the edges and draws weights by fan-in", "[graph]") {
  Rng rng(7);
  Topology<double> t(30, 5, rng);
  chaosnet::add_nodes(t, NodeKind::normal, 12, rng);
  for (const auto& n : std::vector<chaosnet::Node>(t.nodes().begin(), t.nodes().end())) {
    if (n.bias != chaosnet::no_param) t.set_bias(n.id, 0.75);
  }
  const std::vector<double> before(t.parameter_values().begin(), t.parameter_values().end());
  const std::size_t edges = t.edge_count();
  Rng draw(99);
  chaosnet::redraw_parameters(t, chaosnet::WeightInit::fan_in(), draw);
  CHECK(t.edge_count() == edges);
  std::size_t changed = 0;
  for (const auto& n : t.nodes()) {
    if (n.bias != chaosnet::no_param) CHECK(t.parameter_values()[n.bias] == 0.0);  // fan-in init: biases 0
    const double bound = 1.0 / std::sqrt(static_cast<double>(n.sources.size()));
    for (const auto w : n.weights) {
      const double v = t.parameter_values()[w];
      CHECK(std::abs(v) <= bound);
      changed += v != before[w] ? 1 : 0;
    }
  }
  CHECK(changed == edges);
  // The same stream draws the same parameters; a uniform init sets the biases in its range.
  Topology<double> again = t;
  Rng same(99);
  chaosnet::redraw_parameters(again, chaosnet::WeightInit::fan_in(), same);
  CHECK(std::equal(again.parameter_values().begin(), again.parameter_values().end(), t.parameter_values().begin()));
  Rng uniform_rng(5);
  chaosnet::redraw_parameters(t, chaosnet::WeightInit::uniform(0.2, 0.3), uniform_rng);
  for (const auto& n : t.nodes()) {
    if (n.bias != chaosnet::no_param) CHECK((t.parameter_values()[n.bias] >= 0.2 && t.parameter_values()[n.bias] < 0.3));
  }
}
