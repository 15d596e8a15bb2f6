// BudgetSchedule: the cubic pruning target and the cosine rewiring fraction at worked points,
// options checked by name, and train() with the schedule ends within the budget, keeps only an
// epoch within it and still learns.

#include <chaosnet/sparse/budget_schedule.hpp>

#include <support/halves_dataset.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

using chaosnet::BudgetOptions;
using chaosnet::BudgetSchedule;
using chaosnet::Regrowth;
using chaosnet::Rng;

namespace {
BudgetOptions budget_of(std::size_t budget) {
  BudgetOptions options;
  options.budget = budget;
  return options;
}

/// 8 inputs -> 16 -> 8 -> 2 leaves with 200 random edges: a start to prune to a small budget.
chaosnet::Network<float, 16> layered_200(Rng& rng) {
  chaosnet::LayeredStart start;
  start.hidden = {16, 8};
  start.edges = 200;
  return chaosnet::Network<float, 16>(chaosnet::layered_start<float>(8, 2, start, rng));
}
}  // namespace

TEST_CASE("BudgetSchedule: target_edges follows E + (S - E)(1 - t)^3 to the budget at prune_until",
          "[sparse][budget_schedule]") {
  BudgetOptions options = budget_of(100);
  options.prune_until = 0.5;
  const BudgetSchedule<float> schedule(options, 1);
  // 200 steps, pruning until step 100: t = (step + 1) / 100.
  CHECK(schedule.target_edges(1000, 0, 200) == 973);   // 100 + round(900 * 0.99^3 = 873.27)
  CHECK(schedule.target_edges(1000, 49, 200) == 213);  // 100 + round(900 / 8 = 112.5)
  CHECK(schedule.target_edges(1000, 74, 200) == 114);  // 100 + round(900 / 64 = 14.06)
  CHECK(schedule.target_edges(1000, 98, 200) == 100);  // 100 + round(900e-6)
  CHECK(schedule.target_edges(1000, 99, 200) == 100);
  for (std::size_t step = 99; step < 200; ++step) CHECK(schedule.target_edges(1000, step, 200) == 100);
  std::size_t last = 1000;
  for (std::size_t step = 0; step < 200; ++step) {
    const std::size_t target = schedule.target_edges(1000, step, 200);
    CHECK(target <= last);
    CHECK(target >= 100);
    last = target;
  }
  // A start within the budget is left alone; prune_until 0 is at the budget from the first step.
  CHECK(schedule.target_edges(80, 0, 200) == 80);
  CHECK(schedule.target_edges(100, 10, 200) == 100);
  options.prune_until = 0;
  CHECK(BudgetSchedule<float>(options, 1).target_edges(1000, 0, 200) == 100);
}

TEST_CASE("BudgetSchedule: rewire_fraction is a cosine from rewire_fraction to 0 at rewire_until",
          "[sparse][budget_schedule]") {
  BudgetOptions options = budget_of(100);
  options.rewire_fraction = 0.3;
  options.rewire_until = 0.75;
  const BudgetSchedule<float> schedule(options, 1);
  // 400 steps: t = (step + 1) / 400, cosine over t / 0.75.
  CHECK(schedule.rewire_fraction(149, 400) == Approx(0.15).margin(1e-15));  // t = 0.375: half way
  CHECK(schedule.rewire_fraction(74, 400) == Approx(0.15 * (1 + std::sqrt(0.5))).epsilon(1e-12));  // a quarter
  CHECK(schedule.rewire_fraction(0, 400) == Approx(0.3).epsilon(1e-4));
  CHECK(schedule.rewire_fraction(0, 400) < 0.3);
  CHECK(schedule.rewire_fraction(298, 400) > 0);
  CHECK(schedule.rewire_fraction(298, 400) < 1e-4);
  for (std::size_t step = 299; step < 400; ++step) CHECK(schedule.rewire_fraction(step, 400) == 0.0);
  double last = 0.3;
  for (std::size_t step = 0; step < 400; ++step) {
    CHECK(schedule.rewire_fraction(step, 400) <= last);
    last = schedule.rewire_fraction(step, 400);
  }
}

TEST_CASE("BudgetSchedule: bad options are refused naming the option", "[sparse][budget_schedule]") {
  auto refused = [](BudgetOptions options, const std::string& name) {
    INFO(name);
    CHECK_THROWS_WITH(BudgetSchedule<float>(options, 1), Catch::Contains(name));
  };
  refused(budget_of(0), "budget");
  BudgetOptions o = budget_of(10);
  o.rewire_every = 0;
  refused(o, "rewire_every");
  for (const double bad : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    o = budget_of(10);
    o.prune_until = bad;
    refused(o, "prune_until");
    o = budget_of(10);
    o.rewire_fraction = bad;
    refused(o, "rewire_fraction");
    o = budget_of(10);
    o.rewire_until = bad;
    refused(o, "rewire_until");
  }
  o = budget_of(10);
  o.gradient_batches = 0;
  refused(o, "gradient_batches");
  o = budget_of(10);
  o.rewire_every = 3;
  o.gradient_batches = 4;
  refused(o, "gradient_batches");
  o.gradient_batches = 3;
  CHECK_NOTHROW(BudgetSchedule<float>(o, 1));
}

TEST_CASE("BudgetSchedule: train() prunes a layered start to the budget and still learns",
          "[sparse][budget_schedule]") {
  for (const Regrowth regrowth : {Regrowth::gradient, Regrowth::random}) {
    INFO("regrowth " << to_string(regrowth));
    Rng rng(7);
    const chaosnet::Dataset train = chaosnet_test::halves(512, rng), validation = chaosnet_test::halves(128, rng);
    chaosnet::Network<float, 16> net = layered_200(rng);
    REQUIRE(net.edge_count() == 200);

    BudgetOptions budget = budget_of(30);
    budget.rewire_every = 16;
    budget.regrowth = regrowth;
    BudgetSchedule<float> schedule(budget, 3);
    chaosnet::Optimizer<float> adam({chaosnet::OptimizerKind::adam, 0.02});
    chaosnet::TrainOptions options;
    options.epochs = 16;  // 32 steps each: the budget is reached in epoch 8
    options.learning_rate.decay = chaosnet::LearningRateDecay::cosine;
    std::size_t most_edges = 0;
    const auto result = chaosnet::train(
        net, adam, train, validation, options, rng, [](std::size_t, std::size_t) {},
        [&](const chaosnet::EpochStats& e) { most_edges = std::max(most_edges, e.edges); }, schedule);

    REQUIRE_FALSE(result.diverged);
    REQUIRE(result.epochs.size() == 16);
    CHECK(most_edges <= 200);
    CHECK(net.edge_count() <= 30);
    CHECK(net.check_invariants().empty());
    CHECK(schedule.counts().rewirings > 0);
    CHECK(schedule.counts().rewired > 0);
    CHECK(schedule.counts().pruned >= 170);
    std::size_t first_at_budget = 0;
    for (const auto& e : result.epochs) {
      if (e.edges <= 30) {
        first_at_budget = e.epoch;
        break;
      }
    }
    REQUIRE(first_at_budget > 1);  // the early epochs were over the budget, so not eligible
    CHECK(result.best_epoch >= first_at_budget);
    CHECK(result.epochs[result.best_epoch - 1].edges <= 30);
    CHECK(result.best_validation_accuracy >= 0.9);
    CHECK(chaosnet::evaluate_accuracy(net, validation) == result.best_validation_accuracy);
  }
}

TEST_CASE("BudgetSchedule: the budget is reached when no rewiring step falls after prune_until",
          "[sparse][budget_schedule]") {
  Rng rng(7);
  const chaosnet::Dataset train = chaosnet_test::halves(512, rng), validation = chaosnet_test::halves(128, rng);
  chaosnet::Network<float, 16> net = layered_200(rng);
  BudgetOptions budget = budget_of(30);
  budget.rewire_every = 40;
  budget.prune_until = 1.0;
  BudgetSchedule<float> schedule(budget, 3);
  chaosnet::Optimizer<float> adam({chaosnet::OptimizerKind::adam, 0.02});
  chaosnet::TrainOptions options;
  options.epochs = 2;  // 64 steps: the only adjustment is at step 39
  const auto result = chaosnet::train(net, adam, train, validation, options, rng, [](std::size_t, std::size_t) {},
                                      [](const chaosnet::EpochStats&) {}, schedule);
  CHECK(net.edge_count() <= 30);
  CHECK(result.best_epoch > 0);
}
