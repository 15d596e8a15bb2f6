#pragma once

// Training one network to an edge budget from scratch, with every default of
// `chaosnet train --edges E`: a sparse layered start of 10×E edges (one hidden layer of E/20
// nodes, layered_start.hpp), Adam at 5e-3 with a cosine learning rate after a 2% warm-up,
// images shifted by up to ±1 pixel, magnitude pruning to E by half of training and gradient
// rewiring until three quarters (budget_schedule.hpp), 200 epochs, the best validation epoch
// within the budget kept. Evolution uses it for its founders; the CLI's defaults are these.
// The random streams are the CLI's, so for the same seed, batch size and validation split the
// network is the one `chaosnet train --edges E --seed S` saves.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/sparse/budget_schedule.hpp>
#include <chaosnet/sparse/layered_start.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/train/trainer.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// What train_to_budget() does. The defaults were measured on MNIST over 3 seeds each (README,
/// "Training to an edge budget"): one hidden layer of about E/20 nodes beat 300-100 and wider or
/// narrower single layers; shifts of 1 px beat none and 2; Adam at 5e-3 beat 2e-3 and 1e-2;
/// 200 epochs beat 100 and matched 400.
struct SparseTrainingOptions {
  std::size_t start_multiple = 10;  ///< start with this many times the budget (Zhu & Gupta: 10-30x)
  std::size_t edges_per_hidden_node = 20;
  std::size_t min_hidden = 10;
  std::size_t epochs = 200;
  double learning_rate = 5e-3;  ///< Adam's, cosine-decayed
  double warmup = 0.02;         ///< fraction of the steps of linear warm-up
  int max_shift = 1;
  BudgetOptions schedule{};  ///< its budget is train_to_budget's argument
  std::optional<NodeFailure> failure{};  ///< node failure and noise while training (seed 002)

  /// The single hidden layer's width for a budget of `edges`.
  [[nodiscard]] constexpr std::size_t hidden(std::size_t edges) const {
    return std::max(min_hidden, edges / edges_per_hidden_node);
  }
};

/// The starting network's shape: one hidden layer of options.hidden(budget) nodes and
/// start_multiple × budget edges, at most the dense count of inputs → hidden → outputs.
inline LayeredStart budget_start_shape(std::size_t inputs, std::size_t outputs, std::size_t budget,
                                       const SparseTrainingOptions& options) {
  LayeredStart start;
  start.hidden = {options.hidden(budget)};
  const std::size_t dense = start.hidden[0] * (inputs + outputs);
  start.edges = std::min(dense, options.start_multiple * budget);
  return start;
}

/// The seed of the budget schedule's own stream, from the run's seed (as the CLI derives it).
inline std::uint64_t budget_schedule_seed(std::uint64_t seed) { return util::mix64(seed ^ 0x5eedb0d6e7ull); }

template <class T, int N>
struct SparseTrainingResult {
  Network<T, N> network;  ///< the kept epoch's network (the last one's when none was kept)
  TrainResult training;
  /// An epoch within the budget was kept and training did not diverge: `network` is usable.
  [[nodiscard]] bool ok() const { return training.best_epoch > 0 && !training.diverged; }
};

/// Trains a new network of `inputs` → `outputs` to at most `budget` edges on `train`, keeping
/// the epoch with the best accuracy on `validation` among those within the budget. The same
/// seed gives the same network. Throws std::invalid_argument for a budget of 0.
/// `on_epoch(const EpochStats&)` is called after every epoch.
template <class T, int N, class OnEpoch>
SparseTrainingResult<T, N> train_to_budget(std::size_t inputs, std::size_t outputs, std::size_t budget,
                                           const Dataset& train, const Dataset& validation,
                                           const SparseTrainingOptions& options, std::uint64_t seed,
                                           OnEpoch&& on_epoch) {
  if (budget == 0) throw std::invalid_argument("chaosnet::train_to_budget: the edge budget must be at least 1");
  Rng rng(seed);
  SparseTrainingResult<T, N> result{
      Network<T, N>(layered_start<T>(inputs, outputs, budget_start_shape(inputs, outputs, budget, options), rng)),
      {}};
  rng = Rng(seed);  // batches from a fresh stream: their order does not depend on the start's size
  result.network.set_node_failure(options.failure);

  OptimizerOptions adam;
  adam.kind = OptimizerKind::adam;
  adam.learning_rate = options.learning_rate;
  adam.epsilon = 1e-8;
  Optimizer<T> optimizer(adam);
  TrainOptions train_options;
  train_options.epochs = options.epochs;
  train_options.max_shift = options.max_shift;
  train_options.shift_seed = seed;
  train_options.learning_rate = {LearningRateDecay::cosine, options.warmup};
  BudgetOptions schedule_options = options.schedule;
  schedule_options.budget = budget;
  BudgetSchedule<T> schedule(schedule_options, budget_schedule_seed(seed));

  auto no_progress = [](std::size_t, std::size_t) {};
  result.training = chaosnet::train(result.network, optimizer, train, validation, train_options, rng,
                                    no_progress, on_epoch, schedule);
  return result;
}

}  // namespace chaosnet
