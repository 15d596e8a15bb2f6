// layered_start: the Erdős–Rényi split of the edges over the layer pairs (exact total, capped
// at dense, denser for smaller pairs) and the start network itself (that many edges, only between
// consecutive layers, valid, reproducible, weights within the fan-in bound).

#include <chaosnet/sparse/layered_start.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <map>
#include <numeric>
#include <vector>

using chaosnet::erdos_renyi_edges;
using chaosnet::LayeredStart;
using chaosnet::NodeId;
using chaosnet::NodeKind;
using chaosnet::Rng;
using chaosnet::Topology;

namespace {

std::size_t sum(const std::vector<std::size_t>& v) { return std::accumulate(v.begin(), v.end(), std::size_t{0}); }

/// The layer of every node of a layered start: 0 for inputs, 1.. for the hidden layers in
/// position order, the last for the leaves.
std::map<NodeId, std::size_t> layer_of(const Topology<float>& net, const std::vector<std::size_t>& hidden) {
  std::map<NodeId, std::size_t> out;
  std::size_t normal = 0;
  for (const auto& n : net.nodes()) {
    if (n.kind == NodeKind::input) {
      out[n.id] = 0;
    } else if (n.kind == NodeKind::leaf) {
      out[n.id] = hidden.size() + 1;
    } else {
      std::size_t layer = 0, end = hidden[0];
      while (normal >= end) end += hidden[++layer];
      out[n.id] = layer + 1;
      ++normal;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("layered_start: erdos_renyi_edges sums to the request with density by (n_in + n_out)/(n_in n_out)",
          "[sparse][layered_start]") {
  const std::vector<std::size_t> widths{784, 300, 100, 10};
  for (const std::size_t edges : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1300},
                                  std::size_t{5000}, std::size_t{30001}}) {
    INFO(edges << " edges");
    const auto out = erdos_renyi_edges(widths, edges);
    REQUIRE(out.size() == 3);
    CHECK(sum(out) == edges);
    if (edges < 1300) continue;
    auto density = [&](std::size_t l) {
      return static_cast<double>(out[l]) / static_cast<double>(widths[l] * widths[l + 1]);
    };
    const double d0 = density(0), d1 = density(1), d2 = density(2);
    CHECK(d0 < d1);
    CHECK(d1 < d2);
    if (edges > 5000) {
      CHECK(out[2] == 1000);  // 30001 would give the last pair 30001·110/1594 = 2070 > 1000
      continue;
    }
    // None capped: every pair is epsilon·(n_in + n_out) up to the few leftovers.
    const double epsilon = static_cast<double>(edges) / (1084.0 + 400.0 + 110.0);
    CHECK(std::abs(static_cast<double>(out[0]) - epsilon * 1084) <= 3);
    CHECK(std::abs(static_cast<double>(out[1]) - epsilon * 400) <= 3);
    CHECK(std::abs(static_cast<double>(out[2]) - epsilon * 110) <= 3);
  }
}

TEST_CASE("layered_start: erdos_renyi_edges makes a pair dense before it would overflow", "[sparse][layered_start]") {
  // Pairs 8x4 (32 possible, raw 12) and 4x2 (8 possible, raw 6): 38 edges would give the small
  // pair 38·6/18 = 12.7 > 8, so it is dense and the large pair gets the other 30.
  CHECK(erdos_renyi_edges({8, 4, 2}, 38) == std::vector<std::size_t>{30, 8});
  CHECK(erdos_renyi_edges({8, 4, 2}, 40) == std::vector<std::size_t>{32, 8});
  CHECK(erdos_renyi_edges({8, 4, 2}, 18) == std::vector<std::size_t>{12, 6});
  // A cap in the middle: 100x50 (raw 150), 50x2 (raw 52, 100 possible), 2x10 (raw 12, 20 possible).
  const auto out = erdos_renyi_edges({100, 50, 2, 10}, 2000);
  CHECK(sum(out) == 2000);
  CHECK(out[1] == 100);
  CHECK(out[2] == 20);
  CHECK(out[0] == 1880);
  for (const std::size_t edges : {std::size_t{1}, std::size_t{99}, std::size_t{4999}, std::size_t{5120}}) {
    const auto split = erdos_renyi_edges({100, 50, 2, 10}, edges);
    CHECK(sum(split) == edges);
    CHECK(split[0] <= 5000);
    CHECK(split[1] <= 100);
    CHECK(split[2] <= 20);
  }
}

TEST_CASE("layered_start: more edges than the layers hold is refused with a message", "[sparse][layered_start]") {
  CHECK_THROWS_WITH(erdos_renyi_edges({8, 4, 2}, 41), Catch::Contains("41 edges do not fit") && Catch::Contains("40"));
  LayeredStart start;
  start.hidden = {4};
  start.edges = 41;
  Rng rng(1);
  CHECK_THROWS_AS(chaosnet::layered_start<float>(8, 2, start, rng), std::invalid_argument);
}

TEST_CASE("layered_start: that many edges, only between consecutive layers, reproducible", "[sparse][layered_start]") {
  LayeredStart start;
  start.hidden = {12, 6};
  start.edges = 90;
  start.init_scale = 0.5;
  Rng rng(4);
  const Topology<float> net = chaosnet::layered_start<float>(20, 3, start, rng);
  CHECK(net.check_invariants().empty());
  CHECK(net.input_count() == 20);
  CHECK(net.normal_count() == 18);
  CHECK(net.output_count() == 3);
  CHECK(net.edge_count() == 90);

  const auto layers = layer_of(net, start.hidden);
  const auto expected = erdos_renyi_edges({20, 12, 6, 3}, 90);
  std::vector<std::size_t> per_pair(3, 0);
  double largest_ratio = 0;
  for (const auto& n : net.nodes()) {
    for (std::size_t i = 0; i < n.sources.size(); ++i) {
      const std::size_t from = layers.at(n.sources[i]), to = layers.at(n.id);
      REQUIRE(to == from + 1);
      ++per_pair[from];
      const double bound = 0.5 / std::sqrt(static_cast<double>(n.sources.size()));
      const double w = net.weight(n.sources[i], n.id);
      CHECK(std::abs(w) <= bound);
      largest_ratio = std::max(largest_ratio, std::abs(w) / bound);
    }
    if (n.bias != chaosnet::no_param) CHECK(net.bias(n.id) == 0.0f);
  }
  CHECK(per_pair == expected);
  CHECK(largest_ratio > 0.8);  // the bound is the scale of the weights, not far above it

  Rng same(4), other(5);
  const Topology<float> again = chaosnet::layered_start<float>(20, 3, start, same);
  const Topology<float> different = chaosnet::layered_start<float>(20, 3, start, other);
  const auto a = net.to_data().edges, b = again.to_data().edges, c = different.to_data().edges;
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() == c.size());
  bool all_same = true, any_different = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    all_same = all_same && a[i].from == b[i].from && a[i].to == b[i].to && a[i].weight == b[i].weight;
    any_different = any_different || a[i].from != c[i].from || a[i].to != c[i].to;
  }
  CHECK(all_same);
  CHECK(any_different);
}

TEST_CASE("layered_start: the dense count makes every pair dense", "[sparse][layered_start]") {
  LayeredStart start;
  start.hidden = {5};
  start.edges = 8 * 5 + 5 * 2;
  Rng rng(9);
  const Topology<float> net = chaosnet::layered_start<float>(8, 2, start, rng);
  CHECK(net.edge_count() == 50);
  CHECK(net.check_invariants().empty());
  for (const auto& n : net.nodes()) {
    if (n.kind == NodeKind::normal) CHECK(n.sources.size() == 8);
    if (n.kind == NodeKind::leaf) CHECK(n.sources.size() == 5);
  }
}
