#pragma once

// The final fine-tune of an evolution run: each budget's best network trains for a few more
// epochs with the sparse-training schedule (train/trainer.hpp, sparse/budget_schedule.hpp) —
// a fresh Adam at a decaying learning rate (the evolution's optimizer state was built for a
// constant rate), optionally distilled from a teacher and on ±pixel-shifted images, rewired at
// constant size — and keeps the epoch of the best validation accuracy only if it beats the
// network it started from. The caller measures the test set afterwards, once.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/sparse/budget_schedule.hpp>
#include <chaosnet/train/evaluate.hpp>
#include <chaosnet/train/learning_rate.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/train/teacher.hpp>
#include <chaosnet/train/trainer.hpp>
#include <chaosnet/util/random.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace chaosnet {

struct FineTuneOptions {
  std::size_t epochs = 20;  ///< 0: no fine-tune
  /// Adam's base rate, cosine-decayed (to LearningRateSchedule's floor) after a linear warm-up
  /// over the fraction `warmup` of the steps.
  double learning_rate = 2e-3;
  double warmup = 0.02;
  /// RigL rewiring at constant size (a BudgetSchedule whose budget is the starting edge count,
  /// so it never prunes below or grows above it).
  bool rewire = true;
  int max_shift = 1;  ///< shift training images by up to ±max_shift pixels per epoch; 0: off
  double weight_decay = 0;  ///< decoupled (AdamW), in [0, 1/learning_rate)
  /// Used only with a teacher; its temperature must be the teacher probabilities' own.
  Distillation distillation{};
};

struct FineTuneResult {
  double validation_before = 0;
  double validation_after = 0;  ///< ≥ validation_before: a worse fine-tune is not kept
  std::size_t best_epoch = 0;   ///< 1-based epoch kept; 0 when the network was left as it was
  std::size_t edges_before = 0, edges_after = 0;
  double wall_s = 0;
  bool diverged = false;
  std::string message;  ///< why training stopped early, if it did (TrainResult::message)
};

/// Throws std::invalid_argument, naming the field, for options no fine-tune can use.
inline void check_fine_tune_options(const FineTuneOptions& options) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("chaosnet::FineTuneOptions: " + what);
  };
  const double lr = options.learning_rate;
  if (!(std::isfinite(lr) && lr > 0)) fail("learning_rate must be finite and > 0, got " + std::to_string(lr));
  if (!(options.warmup >= 0 && options.warmup <= 1)) {
    fail("warmup must lie in [0, 1], got " + std::to_string(options.warmup));
  }
  if (options.max_shift < 0) fail("max_shift must not be negative, got " + std::to_string(options.max_shift));
  if (!(options.weight_decay >= 0 && options.weight_decay < 1 / lr)) {
    fail("weight_decay must lie in [0, 1/learning_rate), got " + std::to_string(options.weight_decay));
  }
  const Distillation& d = options.distillation;
  if (!(d.alpha >= 0 && d.alpha <= 1)) fail("distillation.alpha must lie in [0, 1], got " + std::to_string(d.alpha));
  if (!(std::isfinite(d.temperature) && d.temperature > 0)) {
    fail("distillation.temperature must be finite and > 0, got " + std::to_string(d.temperature));
  }
}

/// Fine-tunes `net` on `train`, selecting by `validation`; `teacher` (may be null) holds the
/// teacher's probabilities for every sample of `train`. `net` changes only if an epoch beats
/// its starting validation accuracy, and then never has more edges than it started with. The
/// same seed gives the same network. `on_epoch(const EpochStats&)` is called after every epoch.
template <class T, int N, class OnEpoch>
FineTuneResult fine_tune(Network<T, N>& net, const Dataset& train, const Dataset& validation,
                         const FineTuneOptions& options, std::uint64_t seed,
                         const TeacherProbabilities* teacher, OnEpoch&& on_epoch) {
  check_fine_tune_options(options);
  const auto start = std::chrono::steady_clock::now();
  FineTuneResult result;
  result.validation_before = result.validation_after = evaluate_accuracy(net, validation);
  result.edges_before = result.edges_after = net.edge_count();

  if (options.epochs > 0) {
    TrainOptions train_options;
    train_options.epochs = options.epochs;
    train_options.max_shift = options.max_shift;
    train_options.shift_seed = util::counter_hash(seed, 1);
    train_options.learning_rate = {LearningRateDecay::cosine, options.warmup};
    // The best epoch is tracked here rather than by train(): its keep_best restores nothing
    // after a divergence, and an epoch counts only if it beats the starting network.
    train_options.keep_best = false;
    train_options.teacher = teacher;
    train_options.distillation = options.distillation;
    OptimizerOptions adam;
    adam.kind = OptimizerKind::adam;
    adam.learning_rate = options.learning_rate;
    adam.weight_decay = options.weight_decay;
    Optimizer<T> optimizer(adam);

    Network<T, N> candidate = net;
    std::optional<Network<T, N>> best;
    double best_accuracy = result.validation_before;
    auto keep_better = [&](const EpochStats& e) {
      if (e.edges <= result.edges_before && e.validation_accuracy > best_accuracy) {
        best_accuracy = e.validation_accuracy;
        result.best_epoch = e.epoch;
        best = candidate;
      }
      on_epoch(e);
    };
    Rng rng = util::derive_rng(seed, 0);
    auto no_progress = [](std::size_t, std::size_t) {};
    TrainResult trained;
    if (options.rewire && result.edges_before > 0) {
      BudgetOptions constant_size;
      constant_size.budget = result.edges_before;
      BudgetSchedule<T> schedule(constant_size, util::counter_hash(seed, 2));
      trained = chaosnet::train(candidate, optimizer, train, validation, train_options, rng, no_progress,
                                keep_better, schedule);
    } else {
      trained = chaosnet::train(candidate, optimizer, train, validation, train_options, rng, no_progress,
                                keep_better);
    }
    result.diverged = trained.diverged;
    result.message = trained.message;
    if (best) {
      // The copy carries the fine-tune's distillation loss; the caller's network keeps its own.
      const std::optional<Distillation> caller_distillation = net.distillation();
      net = std::move(*best);
      net.set_distillation(caller_distillation);
      result.validation_after = best_accuracy;
      result.edges_after = net.edge_count();
    }
  }
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace chaosnet
