// Population: the same seed gives bit-identical members with any thread count; the cap holds;
// seed selection keeps half parents and half children; children inherit trained weights and
// optimizer state.

#include <evolution/tiny_evolution.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>

using chaosnet::Population;
using chaosnet::SelectionMethod;
using chaosnet::WorkerPool;

namespace {

const chaosnet::MnistSplits& data() {
  static const chaosnet::MnistSplits splits = chaosnet_test::tiny_mnist();
  return splits;
}

template <int N>
Population<float, N> evolve(chaosnet::EvolutionOptions options, std::size_t generations,
                            std::size_t threads) {
  Population<float, N> population(options, data().train.features(), 10);
  WorkerPool pool(threads);
  for (std::size_t g = 0; g < generations; ++g) {
    population.evolve(data().train, data().validation, pool);
  }
  return population;
}

}  // namespace

TEST_CASE("Population: 1, 2 and 3 threads give bit-identical members", "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.selection.method = GENERATE(SelectionMethod::seed_score, SelectionMethod::pareto);
  const auto one = evolve<16>(options, 3, 1);
  const auto two = evolve<16>(options, 3, 2);
  const auto three = evolve<16>(options, 3, 3);
  CHECK(chaosnet_test::same_members(one, two));
  CHECK(chaosnet_test::same_members(one, three));
  // A different seed gives a different population.
  options.seed += 1;
  CHECK(chaosnet::population_fingerprint(evolve<16>(options, 3, 2)) !=
        chaosnet::population_fingerprint(one));
}

TEST_CASE("Population: no member ever exceeds the cap; ids are unique and lineage is recorded",
          "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.mutation = {0.05, 0.5, 0.05,
                      chaosnet::EdgeRemoval::random};  // strong growth against the cap
  options.max_edges = 150;
  Population<float, 16> population(options, data().train.features(), 10);
  WorkerPool pool(2);
  std::set<std::uint64_t> seen;
  for (const auto& m : population.members()) CHECK(m.network.edge_count() <= options.max_edges);
  for (int g = 1; g <= 5; ++g) {
    std::set<std::uint64_t> before;
    for (const auto& m : population.members()) before.insert(m.id);
    const auto& stats = population.evolve(data().train, data().validation, pool);
    CHECK(stats.generation == static_cast<std::size_t>(g));
    CHECK(stats.morphed);
    CHECK(stats.trained == 2 * options.population);
    CHECK(stats.max_edges <= options.max_edges);
    CHECK(population.members().size() == options.population);
    for (const auto& m : population.members()) {
      CHECK(m.network.edge_count() <= options.max_edges);
      CHECK(m.network.check_invariants().empty());
      CHECK(m.accuracy >= 0.0);
      CHECK(m.accuracy <= 1.0);
      if (m.born == static_cast<std::size_t>(g)) {
        CHECK(before.count(m.parent) == 1);  // a child of this generation's parents
        CHECK(seen.count(m.id) == 0);
      } else {
        CHECK(before.count(m.id) == 1);
      }
      seen.insert(m.id);
    }
  }
  CHECK(population.history().size() == 5);
  for (const std::size_t i : population.front()) {
    CHECK(population.members()[i].network.edge_count() <= 150);
  }
}

TEST_CASE("Population: seed selection keeps the best half of parents and of children",
          "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.selection.method = SelectionMethod::seed_score;
  options.population = 6;
  Population<float, 16> population(options, data().train.features(), 10);
  WorkerPool pool(2);
  for (std::size_t g = 1; g <= 3; ++g) {
    population.evolve(data().train, data().validation, pool);
    const auto children = std::count_if(population.members().begin(), population.members().end(),
                                        [&](const auto& m) { return m.born == g; });
    CHECK(children == 3);
  }
}

TEST_CASE("Population: without a morph every member stays, none is born",
          "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.morph_every = 3;
  Population<float, 16> population(options, data().train.features(), 10);
  WorkerPool pool(1);
  std::set<std::uint64_t> founders;
  for (const auto& m : population.members()) founders.insert(m.id);
  for (std::size_t g = 1; g <= 2; ++g) {
    const auto& stats = population.evolve(data().train, data().validation, pool);
    CHECK_FALSE(stats.morphed);
    CHECK(stats.trained == options.population);
    std::set<std::uint64_t> ids;
    for (const auto& m : population.members()) ids.insert(m.id);
    CHECK(ids == founders);
  }
  CHECK(population.evolve(data().train, data().validation, pool).morphed);
}

TEST_CASE("Population: children keep their parent's trained weights and optimizer state",
          "[evolution][population]") {
  // Without structural change a child is its parent's clone, trains on the same batches from the
  // same weights and Adam moments, and so stays equal to it bit for bit.
  auto options = chaosnet_test::tiny_evolution_options();
  options.mutation = {0, 0, 0, chaosnet::EdgeRemoval::random};
  options.morph_every = 2;  // generation 1 trains the founders, generation 2 clones them
  options.selection.method = SelectionMethod::seed_score;
  const auto population = evolve<16>(options, 2, 2);
  std::size_t pairs = 0;
  for (const auto& child : population.members()) {
    if (child.born != 2) continue;
    for (const auto& parent : population.members()) {
      if (parent.id != child.parent) continue;
      ++pairs;
      CHECK(child.accuracy == parent.accuracy);
      CHECK(child.optimizer.steps() == parent.optimizer.steps());
      CHECK(child.optimizer.steps() == 2 * options.steps_per_generation);
      const auto a = child.network.to_data(), b = parent.network.to_data();
      REQUIRE(a.edges.size() == b.edges.size());
      for (std::size_t e = 0; e < a.edges.size(); ++e) {
        CHECK(a.edges[e].weight == b.edges[e].weight);
      }
    }
  }
  CHECK(pairs > 0);
}

TEST_CASE(
    "Population: members whose loss diverges are dropped, and a run with none left fails clearly",
    "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.optimizer.kind = chaosnet::OptimizerKind::sgd;
  options.optimizer.learning_rate = 3e38;  // the first step overflows float
  Population<float, 16> population(options, data().train.features(), 10);
  WorkerPool pool(2);
  CHECK_THROWS_WITH(population.evolve(data().train, data().validation, pool),
                    Catch::Contains("every member of the population diverged") &&
                        Catch::Contains("smaller learning rate"));
}

TEST_CASE("Population: bad options and mismatched data are rejected", "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.population = 1;
  CHECK_THROWS_WITH((Population<float, 16>(options, 784, 10)),
                    Catch::Contains("population must be at least 2"));
  options = chaosnet_test::tiny_evolution_options();
  options.steps_per_generation = 0;
  CHECK_THROWS_WITH((Population<float, 16>(options, 784, 10)),
                    Catch::Contains("steps_per_generation"));
  Population<float, 16> wrong(chaosnet_test::tiny_evolution_options(), 100, 10);
  WorkerPool pool(1);
  CHECK_THROWS_WITH(wrong.evolve(data().train, data().validation, pool),
                    Catch::Contains("100 inputs"));
}

TEST_CASE("Population: founders can spread from the bare seed network to the largest",
          "[evolution][population]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.max_edges = 0;
  options.initial_hidden = 30;
  options.spread_initial_hidden = true;
  const Population<float, 16> spread(options, data().train.features(), 10);
  std::vector<std::size_t> hidden;
  for (const auto& m : spread.members()) hidden.push_back(m.network.normal_count());
  CHECK(hidden == std::vector<std::size_t>{0, 10, 20, 30});
  options.spread_initial_hidden = false;
  const Population<float, 16> same(options, data().train.features(), 10);
  for (const auto& m : same.members()) CHECK(m.network.normal_count() == 30);
}

TEST_CASE("Population: under node failure 1 and 2 threads give bit-identical members",
          "[evolution][population][noise]") {
  // Each member draws its masks from its own stream, so the thread a member runs on cannot
  // change them; founders trained to their budgets fail nodes too.
  auto options = GENERATE(chaosnet_test::tiny_evolution_options(), chaosnet_test::tiny_budget_options());
  if (options.layered_founders) options.founder_epochs = 2;
  const auto clean = evolve<16>(options, 3, 2);
  options.failure = chaosnet::NodeFailure{.fail_prob = 0.3, .noise_std = 0.05, .seed = 11};
  const auto one = evolve<16>(options, 3, 1);
  const auto two = evolve<16>(options, 3, 2);
  CHECK(chaosnet_test::same_members(one, two));
  CHECK(chaosnet::population_fingerprint(one) != chaosnet::population_fingerprint(clean));
  for (const auto& m : two.members()) {
    REQUIRE(m.network.node_failure().has_value());
    CHECK(m.network.node_failure()->fail_prob == 0.3);
  }
  // The archive keeps what was found without the run's failure.
  for (const auto& e : two.state().archive.front()) CHECK_FALSE(e.network.node_failure().has_value());
}

TEST_CASE("Population: trained founders are trained to their budget in generation 1 alone",
          "[evolution][population]") {
  auto options = chaosnet_test::tiny_budget_options();
  options.founder_epochs = 3;
  Population<float, 16> trained(options, data().train.features(), 10);
  options.founder_epochs = 0;
  Population<float, 16> untrained(options, data().train.features(), 10);
  WorkerPool pool(2);
  std::size_t reported = 0, total = 0;
  trained.on_founder_progress([&](std::size_t done, std::size_t all) {
    CHECK(done == reported + 1);  // one call per founder epoch, serialised
    reported = done;
    total = all;
  });
  const auto& first = trained.evolve(data().train, data().validation, pool);
  CHECK_FALSE(first.morphed);  // morph_every is 1: the founding generation is the exception
  CHECK(total == 4 * 3);
  CHECK(reported == total);
  untrained.evolve(data().train, data().validation, pool);
  double trained_sum = 0, untrained_sum = 0;
  for (std::size_t i = 0; i < trained.members().size(); ++i) {
    const auto& m = trained.members()[i];
    INFO("member " << m.id << " budget " << m.budget);
    CHECK(m.parent == 0);
    CHECK(m.network.edge_count() <= m.budget);
    trained_sum += m.accuracy;
    untrained_sum += untrained.members()[i].accuracy;
  }
  CHECK(trained_sum > untrained_sum);  // 3 epochs over the tiny set against 12 batches
  CHECK(trained.state().archive.best_within(400) != nullptr);
  // Later generations morph and train as usual.
  CHECK(trained.evolve(data().train, data().validation, pool).morphed);
  // Founder training is per member, so one thread gives the same population.
  options.founder_epochs = 3;
  CHECK(chaosnet_test::same_members(trained, evolve<16>(options, 2, 1)));

  options.founder_epochs = 3;
  options.layered_founders = false;
  CHECK_THROWS_WITH((Population<float, 16>(options, 784, 10)), Catch::Contains("founder_epochs needs layered_founders"));
}

TEST_CASE("Population: immigrants replace each budget's least accurate member, trained from scratch",
          "[evolution][population]") {
  auto options = chaosnet_test::tiny_budget_options();
  options.founder_epochs = 2;
  options.immigrant_every = 2;
  options.immigrant_epochs = 3;
  Population<float, 16> population(options, data().train.features(), 10);
  CHECK_FALSE(population.is_immigration(1));
  CHECK(population.is_immigration(2));
  CHECK_FALSE(population.is_immigration(3));
  CHECK(population.is_immigration(4));
  CHECK(population.predicted_seconds(1) == 0);  // nothing to judge by
  WorkerPool pool(2);
  population.evolve(data().train, data().validation, pool);
  // The first immigration is judged by the founding generation: 2 · 3 epochs against 4 · 2.
  CHECK(population.predicted_seconds(2) == Approx(population.history()[0].seconds * 6.0 / 8.0));
  CHECK(population.predicted_seconds(3) == 0);  // no ordinary generation yet

  // The least accurate member of each budget (the last of equals) is the one to go.
  std::set<std::uint64_t> leaving;
  for (const std::size_t budget : options.budgets) {
    const chaosnet::Member<float, 16>* worst = nullptr;
    for (const auto& m : population.members()) {
      if (m.budget == budget && (worst == nullptr || m.accuracy <= worst->accuracy)) worst = &m;
    }
    REQUIRE(worst != nullptr);
    leaving.insert(worst->id);
  }
  std::size_t reported = 0, total = 0;
  population.on_founder_progress([&](std::size_t done, std::size_t all) {
    reported = done;
    total = all;
  });
  const std::uint64_t next_id = population.state().next_member_id;
  const auto& second = population.evolve(data().train, data().validation, pool);
  CHECK(second.morphed);
  CHECK(total == 2 * 3);  // one immigrant per budget, 3 epochs each
  CHECK(reported == total);
  CHECK(population.state().next_member_id == next_id + 4 + 2);  // 4 children, 2 immigrants
  std::size_t immigrants = 0;
  for (const auto& m : population.members()) {
    INFO("member " << m.id << " born " << m.born << " parent " << m.parent);
    CHECK(leaving.count(m.id) == 0);
    CHECK(m.network.edge_count() <= m.budget);
    if (m.born == 2 && m.parent == 0) {
      ++immigrants;
      CHECK(m.id >= next_id + 4);  // made after the children
      CHECK(m.network.edge_count() > 0);
      CHECK(m.accuracy > 0.2);  // trained: chance is 0.1
    }
  }
  CHECK(immigrants <= 2);
  CHECK(population.predicted_seconds(4) == population.history()[1].seconds);
  population.evolve(data().train, data().validation, pool);
  CHECK(population.predicted_seconds(5) == population.history()[2].seconds);
  CHECK(population.predicted_seconds(6) == population.history()[1].seconds);
  // Immigrants train per member from their own seeds: one thread gives the same population.
  CHECK(chaosnet_test::same_members(population, evolve<16>(options, 3, 1)));

  options.layered_founders = false;
  options.founder_epochs = 0;
  CHECK_THROWS_WITH((Population<float, 16>(options, 784, 10)), Catch::Contains("immigrant_every needs layered_founders"));
}
