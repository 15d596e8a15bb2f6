// DOT export: every edge drawn once, kinds told apart by colour, pen width monotone in |w|,
// unconnected inputs left out unless asked for. (Graphviz itself is not needed.)

#include <support/temp_dir.hpp>
#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/io/io.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using chaosnet::NodeId;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;

namespace {

struct DrawnEdge {
  NodeId from;
  NodeId to;
  double width;
  std::string colour;
};

/// The parts of write_dot's output the tests look at.
struct Drawing {
  std::string text;
  std::map<NodeId, std::string> fill;  ///< by node id
  std::vector<DrawnEdge> edges;
};

Drawing draw(const Topology<double>& t, const chaosnet::DotOptions& options = {}) {
  std::ostringstream out;
  chaosnet::write_dot(out, t, options);
  Drawing d{out.str(), {}, {}};
  const std::regex node(R"(^\s*n(\d+) \[.*fillcolor="([^"]+)\")");
  const std::regex edge(R"(^\s*n(\d+) -> n(\d+) \[penwidth=([0-9.]+), color="([^"]+)\")");
  std::istringstream lines(d.text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, edge)) {
      d.edges.push_back({static_cast<NodeId>(std::stoul(m[1])),
                         static_cast<NodeId>(std::stoul(m[2])), std::stod(m[3]), m[4]});
    } else if (std::regex_search(line, m, node)) {
      d.fill[static_cast<NodeId>(std::stoul(m[1]))] = m[2];
    }
  }
  return d;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("DOT: every edge once, kinds coloured, leaves labelled by class", "[io][dot]") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Rng rng(seed);
    auto t = chaosnet_test::random_dag<Topology<double>>(rng);
    chaosnet::remove_edges(t, 4, chaosnet::EdgeRemoval::random, rng);
    chaosnet::remove_dead_nodes(t);
    const Drawing d = draw(t);
    INFO("seed " << seed << "\n" << d.text);
    CHECK(count(d.text, "->") == t.edge_count());
    CHECK(d.edges.size() == t.edge_count());
    for (const auto& e : d.edges) CHECK(t.has_edge(e.from, e.to));
    CHECK(d.text.find(std::to_string(t.edge_count()) + " edges, " +
                      std::to_string(t.parameter_count()) + " parameters") != std::string::npos);

    std::map<NodeKind, std::set<std::string>> colours;
    for (const auto& [id, fill] : d.fill) colours[t.node(id).kind].insert(fill);
    for (const NodeKind kind : {NodeKind::input, NodeKind::normal, NodeKind::leaf}) {
      REQUIRE(colours[kind].size() == 1);  // one colour per kind ...
    }
    CHECK(*colours[NodeKind::input].begin() != *colours[NodeKind::normal].begin());  // ... distinct
    CHECK(*colours[NodeKind::normal].begin() != *colours[NodeKind::leaf].begin());
    CHECK(*colours[NodeKind::input].begin() != *colours[NodeKind::leaf].begin());
    // Every normal and leaf is drawn; inputs are drawn exactly when they have an edge.
    for (const auto& n : t.nodes()) {
      CHECK(d.fill.count(n.id) == (n.kind != NodeKind::input || !n.targets.empty() ? 1u : 0u));
    }
    const std::size_t first_leaf = t.node_count() - t.output_count();
    for (std::size_t c = 0; c < t.output_count(); ++c) {
      CHECK(d.text.find("n" + std::to_string(t.nodes()[first_leaf + c].id) + " [label=\"" +
                        std::to_string(c) + "\"") != std::string::npos);
    }
    CHECK(count(d.text, "rank=source") == 1);
    CHECK(count(d.text, "rank=sink") == 1);
  }
}

TEST_CASE("DOT: pen width grows with |w| and colour follows the sign", "[io][dot]") {
  Rng rng(6);
  const auto t = chaosnet_test::random_dag<Topology<double>>(rng);
  const chaosnet::DotOptions options;
  const Drawing d = draw(t, options);
  std::vector<std::pair<double, double>> magnitude_width;
  std::set<std::string> positive, negative;
  for (const auto& e : d.edges) {
    const double w = t.weight(e.from, e.to);
    magnitude_width.emplace_back(std::abs(w), e.width);
    (w < 0 ? negative : positive).insert(e.colour);
  }
  std::sort(magnitude_width.begin(), magnitude_width.end());
  for (std::size_t i = 1; i < magnitude_width.size(); ++i) {
    CHECK(magnitude_width[i - 1].second <= magnitude_width[i].second);
  }
  CHECK(magnitude_width.back().second == Approx(options.max_pen_width));
  CHECK(magnitude_width.front().second >= options.min_pen_width);
  REQUIRE(positive.size() == 1);
  REQUIRE(negative.size() == 1);
  CHECK(*positive.begin() != *negative.begin());
}

TEST_CASE("DOT: unconnected inputs are left out unless asked for", "[io][dot]") {
  Rng rng(7);
  Topology<double> t(784, 10, rng);  // seed v0.2: about 100 of the 784 inputs have an edge
  std::size_t connected = 0;
  for (std::size_t p = 0; p < t.input_count(); ++p) {
    if (!t.nodes()[p].targets.empty()) ++connected;
  }
  const Drawing sparse = draw(t);
  CHECK(sparse.fill.size() == connected + 10);
  CHECK(sparse.text.find("// " + std::to_string(784 - connected) + " inputs without edges") !=
        std::string::npos);
  chaosnet::DotOptions all;
  all.include_unconnected_inputs = true;
  all.edge_labels = true;
  all.title = "MNIST \"seed\" v0.2";
  const Drawing full = draw(t, all);
  CHECK(full.fill.size() == 794);
  CHECK(count(full.text, "->") == t.edge_count());
  CHECK(count(full.text, "label=\"-0.") + count(full.text, "label=\"0.") >= t.edge_count());
  CHECK(full.text.find(R"(label="MNIST \"seed\" v0.2 - 794 nodes)") != std::string::npos);
}

TEST_CASE("DOT: save_dot writes the same text to a file", "[io][dot]") {
  Rng rng(8);
  const auto t = chaosnet_test::random_dag<Topology<float>>(rng);
  const chaosnet::test::TempDir dir;
  chaosnet::save_dot(dir / "t.dot", t);
  std::ostringstream expected;
  chaosnet::write_dot(expected, t);
  std::ifstream in(dir / "t.dot");
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == expected.str());
}
