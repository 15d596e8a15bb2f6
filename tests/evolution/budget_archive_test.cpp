// BudgetArchive: only non-dominated networks stay, the best within every budget never gets
// worse however networks are offered, and a population with budgets keeps a share per budget,
// caps each member at its budget and saves the archive in its checkpoints.

#include <evolution/tiny_evolution.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

using chaosnet::ArchiveEntry;
using chaosnet::BudgetArchive;
using chaosnet::Network;

namespace {

/// A network with exactly `edges` edges (100 inputs, 3 outputs).
Network<float, 4> network_with(std::size_t edges, chaosnet::Rng& rng) {
  chaosnet::TopologyOptions options;
  options.input_edges = 100;
  Network<float, 4> net(100, 3, rng, options);
  REQUIRE(net.edge_count() >= edges);
  chaosnet::remove_edges(net, net.edge_count() - edges, chaosnet::EdgeRemoval::random, rng);
  REQUIRE(net.edge_count() == edges);
  return net;
}

}  // namespace

TEST_CASE("BudgetArchive: a dominated network is refused and a dominating one evicts",
          "[evolution][budget_archive]") {
  chaosnet::Rng rng(3);
  BudgetArchive<float, 4> archive({20, 40}, 40);
  CHECK(archive.offer(1, 1, 0.50, network_with(30, rng)));
  CHECK_FALSE(archive.offer(2, 1, 0.50, network_with(30, rng)));  // a tie: the incumbent stays
  CHECK_FALSE(archive.offer(3, 1, 0.40, network_with(35, rng)));  // larger and worse
  CHECK(archive.offer(4, 1, 0.45, network_with(10, rng)));        // smaller, less accurate: both
  CHECK(archive.offer(5, 2, 0.60, network_with(38, rng)));
  CHECK_FALSE(archive.offer(6, 2, 0.99, network_with(41, rng)));  // above the limit
  REQUIRE(archive.front().size() == 3);
  CHECK(archive.best_within(20)->member == 4);
  CHECK(archive.best_within(40)->member == 5);
  CHECK(archive.best_within(9) == nullptr);
  // 0.55 at 25 edges dominates the 0.50 at 30, not the 0.45 at 10 nor the 0.60 at 38.
  CHECK(archive.offer(7, 3, 0.55, network_with(25, rng)));
  std::vector<std::uint64_t> members;
  for (const auto& e : archive.front()) members.push_back(e.member);
  CHECK(members == std::vector<std::uint64_t>{4, 7, 5});
  // Equal size, more accurate: replaces.
  CHECK(archive.offer(8, 3, 0.47, network_with(10, rng)));
  CHECK(archive.best_within(20)->member == 8);
  CHECK(archive.front().size() == 3);
}

TEST_CASE("BudgetArchive: the best within each budget never decreases, and equals brute force",
          "[evolution][budget_archive]") {
  chaosnet::Rng rng(11);
  const std::vector<std::size_t> budgets{15, 30, 45};
  BudgetArchive<float, 4> archive(budgets, 45);
  std::vector<std::pair<std::size_t, double>> seen;  // every (edges, accuracy) offered
  std::vector<double> last(budgets.size(), 0.0);
  for (std::size_t g = 1; g <= 40; ++g) {
    for (int k = 0; k < 5; ++k) {
      const std::size_t edges = 5 + static_cast<std::size_t>(chaosnet::util::uniform_real(rng, 0, 45));
      const double accuracy = std::round(chaosnet::util::uniform_real(rng, 0, 1) * 100) / 100;
      archive.offer(g * 10 + static_cast<std::size_t>(k), g, accuracy, network_with(edges, rng));
      seen.emplace_back(edges, accuracy);
    }
    archive.close_generation(g);
    const auto& row = archive.history().back();
    REQUIRE(row.best.size() == budgets.size());
    for (std::size_t b = 0; b < budgets.size(); ++b) {
      double brute = 0;
      for (const auto& [e, a] : seen) {
        if (e <= budgets[b]) brute = std::max(brute, a);
      }
      CHECK(row.best[b] == brute);
      CHECK(row.best[b] >= last[b]);
      last[b] = row.best[b];
    }
    // The front stays a front: edges and accuracy both strictly increase along it.
    for (std::size_t i = 1; i < archive.front().size(); ++i) {
      CHECK(archive.front()[i].edges() > archive.front()[i - 1].edges());
      CHECK(archive.front()[i].accuracy > archive.front()[i - 1].accuracy);
    }
  }
  // Everything seen is dominated by (or is) an archived network.
  for (const auto& [e, a] : seen) {
    const auto* best = archive.best_within(e);
    REQUIRE(best != nullptr);
    CHECK(best->accuracy >= a);
  }
}

TEST_CASE("BudgetArchive: bad budgets and a broken saved front are refused",
          "[evolution][budget_archive]") {
  CHECK_THROWS_WITH((BudgetArchive<float, 4>({30, 30}, 0)), Catch::Contains("strictly increasing"));
  CHECK_THROWS_WITH((BudgetArchive<float, 4>({0}, 0)), Catch::Contains("at least 1"));
  CHECK_THROWS_WITH((BudgetArchive<float, 4>({50}, 40)), Catch::Contains("above the archive's limit"));
  chaosnet::Rng rng(5);
  std::vector<ArchiveEntry<float, 4>> front;
  front.push_back({1, 1, 0.6, network_with(20, rng)});
  front.push_back({2, 1, 0.5, network_with(30, rng)});  // larger but less accurate
  CHECK_THROWS_WITH((BudgetArchive<float, 4>::restore({40}, 40, front, {})),
                    Catch::Contains("breaks the front"));
}

TEST_CASE("Population with budgets: a share per budget, each member within its budget",
          "[evolution][budget_archive]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  auto options = chaosnet_test::tiny_evolution_options();
  options.population = 6;
  options.budgets = {60, 120, 250};
  chaosnet::Population<float, 16> population(options, data.train.features(), 10);
  chaosnet::WorkerPool pool(2);
  std::vector<double> last(options.budgets.size(), 0.0);
  for (int g = 0; g < 5; ++g) {
    population.evolve(data.train, data.validation, pool);
    std::map<std::size_t, std::size_t> per_budget;
    for (const auto& m : population.members()) {
      ++per_budget[m.budget];
      CHECK(m.network.edge_count() <= m.budget);
    }
    for (const std::size_t b : options.budgets) CHECK(per_budget[b] == 2);
    const auto& archive = population.state().archive;
    const auto& row = archive.history().back();
    for (std::size_t b = 0; b < options.budgets.size(); ++b) {
      CHECK(row.best[b] >= last[b]);
      last[b] = row.best[b];
      // The archive knows at least as good a network as any member of that budget.
      for (const auto& m : population.members()) {
        if (m.budget == options.budgets[b]) CHECK(row.best[b] >= m.accuracy);
      }
    }
  }
  // The archive travels with the checkpoint, bit for bit.
  const std::string text = chaosnet::checkpoint_to_string(population);
  const auto loaded = chaosnet::checkpoint_from_string<float, 16>(text, "memory");
  CHECK(chaosnet::population_fingerprint(loaded.population) ==
        chaosnet::population_fingerprint(population));
  REQUIRE(loaded.population.state().archive.front().size() ==
          population.state().archive.front().size());
  CHECK(loaded.population.state().archive.history().size() == 5);
}

TEST_CASE("Population: budgets above the cap or more budgets than members are refused",
          "[evolution][budget_archive]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.budgets = {100, 300};  // the cap is 250
  CHECK_THROWS_WITH(chaosnet::check_evolution_options(options), Catch::Contains("above the cap"));
  options.budgets = {10, 20, 30, 40, 50};
  CHECK_THROWS_WITH(chaosnet::check_evolution_options(options),
                    Catch::Contains("smaller than the 5 budgets"));
}

TEST_CASE("Population: guided mutations, crossover and layered founders stay deterministic and "
          "within budget",
          "[evolution][budget_archive]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  auto options = chaosnet_test::tiny_evolution_options();
  options.population = 4;
  options.budgets = {120, 250};
  options.layered_founders = true;
  options.crossover_rate = 1.0;
  options.mutation.grow_rate = 0.2;
  options.mutation.rewire_rate = 0.2;
  options.mutation.split_rate = 0.05;
  auto evolve = [&](std::size_t threads) {
    chaosnet::Population<float, 16> population(options, data.train.features(), 10);
    chaosnet::WorkerPool pool(threads);
    for (int g = 0; g < 4; ++g) {
      population.evolve(data.train, data.validation, pool);
      for (const auto& m : population.members()) {
        CHECK(m.network.edge_count() <= m.budget);
        CHECK(m.network.check_invariants().empty());
      }
    }
    return population;
  };
  const auto one = evolve(1);
  const auto two = evolve(2);
  CHECK(chaosnet::population_fingerprint(one) == chaosnet::population_fingerprint(two));
  // Founders start at their budget (layered), and crossover children name a parent.
  bool crossed = false;
  for (const auto& m : one.members()) crossed = crossed || m.parent != 0;
  CHECK(crossed);
  // Node ids stay unique within each network after crossover and splitting.
  for (const auto& m : one.members()) {
    std::set<chaosnet::NodeId> ids;
    for (const auto& n : m.network.nodes()) CHECK(ids.insert(n.id).second);
  }
}
