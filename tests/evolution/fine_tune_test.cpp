// fine_tune(): it improves an under-trained network, never returns a worse or larger one, leaves
// the network bit for bit as it was when no epoch beats it (a diverging run, a perfect start, no
// epochs), gives the same network for the same seed, distils from a teacher without leaving the
// caller's network distilling, and refuses bad options by name.

#include <chaosnet/evolution/fine_tune.hpp>

#include <support/halves_dataset.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using chaosnet::Dataset;
using chaosnet::FineTuneOptions;
using chaosnet::FineTuneResult;
using chaosnet::Rng;
using Net = chaosnet::Network<float, 16>;

namespace {

/// An evolution-like network (a small random DAG with six hidden nodes), untrained.
Net untrained(Rng& rng) {
  Net net(8, 2, rng, chaosnet_test::small_options());
  chaosnet::add_nodes(net, chaosnet::NodeKind::normal, 6, rng);
  return net;
}

/// Edges keyed by id: inference may reorder a node's inputs, which changes nothing it computes.
std::map<chaosnet::ParamId, std::tuple<chaosnet::NodeId, chaosnet::NodeId, float>> edges_by_id(const Net& net) {
  std::map<chaosnet::ParamId, std::tuple<chaosnet::NodeId, chaosnet::NodeId, float>> edges;
  for (const auto& e : net.to_data().edges) edges[e.id] = {e.from, e.to, e.weight};
  return edges;
}

/// Same nodes, edges, ids, weights and biases, bit for bit.
bool identical(const Net& a, const Net& b) {
  const auto x = a.to_data(), y = b.to_data();
  if (x.nodes.size() != y.nodes.size()) return false;
  for (std::size_t n = 0; n < x.nodes.size(); ++n) {
    if (x.nodes[n].id != y.nodes[n].id || x.nodes[n].bias != y.nodes[n].bias) return false;
  }
  return edges_by_id(a) == edges_by_id(b);
}

std::set<chaosnet::ParamId> edge_ids(const Net& net) {
  std::set<chaosnet::ParamId> ids;
  for (const auto& e : net.to_data().edges) ids.insert(e.id);
  return ids;
}

/// Eight random pixels in [0, 1); the class is whether the first four sum to more than the
/// last four. Separable, but with samples arbitrarily close to the boundary, so validation
/// accuracy keeps rising for many epochs (the halves reach 100% in one). Pixel shifts would
/// move pixels across the halves of these 4x2 images, so the tests switch them off.
Dataset balance(std::size_t count, Rng& rng) {
  std::vector<float> pixels;
  std::vector<int> labels;
  for (std::size_t i = 0; i < count; ++i) {
    double first = 0, last = 0;
    for (int p = 0; p < 8; ++p) {
      const auto v = static_cast<float>(chaosnet::util::uniform_unit(rng));
      pixels.push_back(v);
      (p < 4 ? first : last) += v;
    }
    labels.push_back(first > last ? 1 : 0);
  }
  return Dataset(std::move(pixels), std::move(labels), 2, 4, 2);
}

FineTuneOptions quick(std::size_t epochs) {
  FineTuneOptions options;
  options.epochs = epochs;
  options.learning_rate = 0.01;
  options.max_shift = 0;
  return options;
}

struct Problem {
  Rng rng{11};
  Dataset train = balance(512, rng);
  Dataset validation = balance(256, rng);
};

const auto ignore_epoch = [](const chaosnet::EpochStats&) {};

}  // namespace

TEST_CASE("fine_tune: improves an under-trained network and keeps the best epoch",
          "[evolution][fine_tune]") {
  for (const bool rewire : {true, false}) {
    INFO("rewire " << rewire);
    Problem p;
    Net net = untrained(p.rng);
    const Net start = net;
    const double before = chaosnet::evaluate_accuracy(net, p.validation);
    REQUIRE(before < 0.8);
    FineTuneOptions options = quick(20);
    options.rewire = rewire;
    std::size_t epochs = 0, most_edges = 0;
    const FineTuneResult r = chaosnet::fine_tune(net, p.train, p.validation, options, 3, nullptr,
                                                 [&](const chaosnet::EpochStats& e) {
                                                   ++epochs;
                                                   most_edges = std::max(most_edges, e.edges);
                                                 });
    CHECK(epochs == 20);
    CHECK_FALSE(r.diverged);
    CHECK(r.validation_before == before);
    CHECK(r.validation_after >= 0.9);
    CHECK(r.validation_after == chaosnet::evaluate_accuracy(net, p.validation));
    CHECK(r.best_epoch >= 1);
    CHECK(r.best_epoch <= 20);
    CHECK(r.edges_before == start.edge_count());
    CHECK(most_edges <= r.edges_before);
    CHECK(r.edges_after == net.edge_count());
    CHECK(r.edges_after <= r.edges_before);
    CHECK(net.check_invariants().empty());
    CHECK(r.wall_s > 0);
    // Without rewiring the topology is the start's; with it (every 100 of the 640 steps; the
    // best epoch is past the first rewiring, at step 100, for this seed) some edges are new.
    if (rewire) {
      CHECK(edge_ids(net) != edge_ids(start));
    } else {
      CHECK(edge_ids(net) == edge_ids(start));
    }
  }
}

TEST_CASE("fine_tune: never worse and never larger, over seeds", "[evolution][fine_tune]") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    INFO("seed " << seed);
    Problem p;
    Net net = untrained(p.rng);
    const FineTuneResult r = chaosnet::fine_tune(net, p.train, p.validation, quick(6), seed, nullptr, ignore_epoch);
    CHECK(r.validation_after >= r.validation_before);
    CHECK(chaosnet::evaluate_accuracy(net, p.validation) == r.validation_after);
    CHECK(net.edge_count() <= r.edges_before);
  }
}

TEST_CASE("fine_tune: a run that can only get worse leaves the network bit for bit as it was",
          "[evolution][fine_tune]") {
  Problem p;
  SECTION("a learning rate that diverges") {
    Net net = untrained(p.rng);
    const Net start = net;
    FineTuneOptions options = quick(3);
    options.learning_rate = 1e30;
    const FineTuneResult r = chaosnet::fine_tune(net, p.train, p.validation, options, 5, nullptr, ignore_epoch);
    CHECK(r.diverged);
    CHECK_THAT(r.message, Catch::Contains("became"));
    CHECK(r.best_epoch == 0);
    CHECK(r.validation_after == r.validation_before);
    CHECK(r.edges_after == r.edges_before);
    CHECK(identical(net, start));
  }
  SECTION("a start no epoch can beat") {
    // The halves are learnt to 100% validation accuracy in an epoch or two.
    const Dataset train = chaosnet_test::halves(256, p.rng), validation = chaosnet_test::halves(64, p.rng);
    Net net = untrained(p.rng);
    chaosnet::fine_tune(net, train, validation, quick(4), 1, nullptr, ignore_epoch);
    REQUIRE(chaosnet::evaluate_accuracy(net, validation) == 1.0);
    const Net start = net;
    const FineTuneResult r = chaosnet::fine_tune(net, train, validation, quick(4), 2, nullptr, ignore_epoch);
    CHECK(r.best_epoch == 0);
    CHECK(r.validation_after == 1.0);
    CHECK(identical(net, start));
  }
  SECTION("no epochs") {
    Net net = untrained(p.rng);
    const Net start = net;
    std::size_t epochs = 0;
    const FineTuneResult r = chaosnet::fine_tune(net, p.train, p.validation, quick(0), 1, nullptr,
                                                 [&](const chaosnet::EpochStats&) { ++epochs; });
    CHECK(epochs == 0);
    CHECK(r.validation_after == r.validation_before);
    CHECK(r.validation_before == chaosnet::evaluate_accuracy(net, p.validation));
    CHECK(identical(net, start));
  }
}

TEST_CASE("fine_tune: the same seed gives the same network, another seed another",
          "[evolution][fine_tune]") {
  Problem p;
  const Net start = untrained(p.rng);
  auto tuned = [&](std::uint64_t seed) {
    Net net = start;
    const FineTuneResult r = chaosnet::fine_tune(net, p.train, p.validation, quick(8), seed, nullptr, ignore_epoch);
    REQUIRE(r.best_epoch > 0);
    return std::pair{net, r};
  };
  const auto [a, ra] = tuned(9);
  const auto [b, rb] = tuned(9);
  const auto [c, rc] = tuned(10);
  CHECK(identical(a, b));
  CHECK(ra.validation_after == rb.validation_after);
  CHECK(ra.best_epoch == rb.best_epoch);
  CHECK_FALSE(identical(a, c));
  // The shifts are applied (here they only blur the problem, but they change the network).
  Net shifted = start;
  FineTuneOptions options = quick(8);
  options.max_shift = 1;
  chaosnet::fine_tune(shifted, p.train, p.validation, options, 9, nullptr, ignore_epoch);
  CHECK_FALSE(identical(a, shifted));
}

TEST_CASE("fine_tune: distils from a teacher and leaves the caller's network without distillation",
          "[evolution][fine_tune]") {
  Problem p;
  Net teacher_net = untrained(p.rng);
  chaosnet::fine_tune(teacher_net, p.train, p.validation, quick(10), 1, nullptr, ignore_epoch);
  FineTuneOptions options = quick(10);
  options.distillation = {0.7, 2.0};
  const chaosnet::TeacherProbabilities teacher(teacher_net, p.train, 2.0);
  const Net start = untrained(p.rng);
  Net net = start;
  REQUIRE_FALSE(net.distillation().has_value());
  const FineTuneResult r = chaosnet::fine_tune(net, p.train, p.validation, options, 4, &teacher, ignore_epoch);
  CHECK_FALSE(r.diverged);
  CHECK(r.best_epoch > 0);
  CHECK(r.validation_after >= 0.9);
  CHECK_FALSE(net.distillation().has_value());
  // Distilling is a different loss: the same seed without the teacher trains another network.
  Net without = start;
  chaosnet::fine_tune(without, p.train, p.validation, options, 4, nullptr, ignore_epoch);
  CHECK_FALSE(identical(net, without));
}

TEST_CASE("fine_tune: bad options are refused naming the field, before any change",
          "[evolution][fine_tune]") {
  Problem p;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto refused = [&](const FineTuneOptions& options, const std::string& field) {
    INFO(field);
    Net net = untrained(p.rng);
    const Net start = net;
    CHECK_THROWS_WITH(chaosnet::fine_tune(net, p.train, p.validation, options, 1, nullptr, ignore_epoch),
                      Catch::Contains("FineTuneOptions: " + field));
    CHECK(identical(net, start));
  };
  for (const double bad : {0.0, -1.0, nan, inf}) {
    FineTuneOptions o;
    o.learning_rate = bad;
    refused(o, "learning_rate");
  }
  for (const double bad : {-0.1, 1.5, nan}) {
    FineTuneOptions o;
    o.warmup = bad;
    refused(o, "warmup");
  }
  FineTuneOptions o;
  o.max_shift = -1;
  refused(o, "max_shift");
  for (const double bad : {-1e-3, nan, inf, 1 / FineTuneOptions{}.learning_rate}) {
    o = {};
    o.weight_decay = bad;
    refused(o, "weight_decay");
  }
  for (const double bad : {-0.1, 1.1, nan}) {
    o = {};
    o.distillation.alpha = bad;
    refused(o, "distillation.alpha");
  }
  for (const double bad : {0.0, -2.0, nan, inf}) {
    o = {};
    o.distillation.temperature = bad;
    refused(o, "distillation.temperature");
  }
}
