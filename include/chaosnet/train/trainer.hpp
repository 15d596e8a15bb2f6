#pragma once

// The training loop: epochs of mini-batches, an optimizer step per batch at a scheduled
// learning rate, validation after each epoch, keeping the network of the best validation epoch
// (early stopping on validation, never on test). A non-finite loss stops training and keeps the
// last good parameters. A topology schedule (sparse/budget_schedule.hpp) may rewire or prune the
// network between steps; without one the topology never changes.

#include <chaosnet/data/batch_sampler.hpp>
#include <chaosnet/data/dataset.hpp>
#include <chaosnet/util/random.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/train/evaluate.hpp>
#include <chaosnet/train/learning_rate.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/train/teacher.hpp>
#include <chaosnet/train/training_step.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chaosnet {

struct TrainOptions {
  std::size_t epochs = 5;
  /// Train on the first this-many samples of the training set each epoch; 0 = all of them.
  std::size_t samples_per_epoch = 0;
  /// Reshuffle every epoch; false visits the samples in file order (seed v0.1).
  bool shuffle = true;
  /// At the end, restore the parameters of the epoch with the best validation accuracy.
  bool keep_best = true;
  /// Shift every training image by up to ±max_shift pixels each epoch (random per sample and
  /// epoch, keyed by shift_seed; augment.hpp); 0 trains on the images as they are.
  int max_shift = 0;
  std::uint64_t shift_seed = 0;
  /// The optimizer's learning rate is the base; this shapes it over all the steps of training.
  LearningRateSchedule learning_rate{};
  /// Distill from a teacher whose probabilities for every training sample are given (at the
  /// temperature of `distillation`); nullptr trains on the labels alone.
  const TeacherProbabilities* teacher = nullptr;
  Distillation distillation{};
};

/// A topology schedule that never changes the network: what train() uses without one. A
/// schedule sees every step's gradients (`observe`, before the update), may change the network
/// after the update (`adjust`, returning whether it did) and says which epochs may be kept as
/// the best (`eligible`: e.g. only those within an edge budget).
struct FixedTopology {
  template <class Net>
  void observe(const Net&, std::size_t /*step*/) {}
  template <class Net>
  bool adjust(Net&, std::size_t /*step*/, std::size_t /*total_steps*/) { return false; }
  template <class Net>
  [[nodiscard]] bool eligible(const Net&) const { return true; }
};

struct EpochStats {
  std::size_t epoch = 0;  ///< 1-based
  double train_loss = 0;  ///< mean over the epoch's batches
  double validation_accuracy = 0;
  std::size_t edges = 0;
  std::size_t parameters = 0;
  double elapsed_s = 0;      ///< since training started
  double samples_per_s = 0;  ///< training throughput of this epoch (validation excluded)
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  std::size_t best_epoch = 0;  ///< 1-based; 0 when no epoch finished
  double best_validation_accuracy = 0;
  bool diverged = false;
  std::string message;  ///< why training stopped early, if it did
  double wall_s = 0;
};

/// Called after every batch with (samples done this epoch, samples per epoch), and after every
/// epoch with its statistics. Either may be an empty lambda. `schedule` is FixedTopology or a
/// class with the same three members.
template <class T, int N, class OnBatch, class OnEpoch, class Schedule = FixedTopology>
TrainResult train(Network<T, N>& net, Optimizer<T>& optimizer, const Dataset& training,
                  const Dataset& validation, const TrainOptions& options, Rng& rng,
                  OnBatch&& on_batch, OnEpoch&& on_epoch, Schedule&& schedule = {}) {
  check_fits(net, training, "training");
  check_fits(net, validation, "validation");
  if (options.teacher != nullptr) {
    if (options.teacher->size() != training.size() || options.teacher->classes() != net.output_count()) {
      throw std::invalid_argument("chaosnet::train: the teacher's probabilities are for " +
                                  std::to_string(options.teacher->size()) + " samples of " +
                                  std::to_string(options.teacher->classes()) + " classes, the training set has " +
                                  std::to_string(training.size()) + " of " + std::to_string(net.output_count()));
    }
    if (options.teacher->temperature() != options.distillation.temperature) {
      throw std::invalid_argument("chaosnet::train: the teacher's probabilities are at temperature " +
                                  std::to_string(options.teacher->temperature()) + ", distillation asks for " +
                                  std::to_string(options.distillation.temperature));
    }
  }
  // Distilling changes the loss the network records; the caller's network gets its own back.
  const std::optional<Distillation> caller_distillation = net.distillation();
  net.set_distillation(options.teacher != nullptr ? std::optional(options.distillation) : std::nullopt);
  std::array<const float*, static_cast<std::size_t>(N)> teacher_rows{};
  const std::size_t available =
      options.samples_per_epoch == 0 ? training.size() : std::min(options.samples_per_epoch, training.size());
  BatchSampler sampler(available, static_cast<std::size_t>(N));
  const std::size_t batches = sampler.batches_per_epoch();
  const std::size_t per_epoch = batches * static_cast<std::size_t>(N);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };

  TrainResult result;
  std::optional<Network<T, N>> best;
  // Parameters known to give a finite loss, refreshed every `snapshot_every` steps (copying them
  // every step would cost a tenth of a small network's step) and after every topology change.
  constexpr std::size_t snapshot_every = 100;
  std::vector<T> last_good;
  std::size_t last_good_step = 0, step = 0;
  bool topology_changed = false;
  const std::size_t total_steps = batches * options.epochs;
  const double base_learning_rate = optimizer.options().learning_rate;
  DatasetBatch<N> batch;
  for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    double loss_sum = 0;
    for (std::size_t b = 0; b < batches; ++b) {
      if (options.shuffle) {
        batch.fill(training, sampler.next(rng));
      } else {
        batch.fill_range(training, b * static_cast<std::size_t>(N));
      }
      if (options.max_shift > 0) batch.shift_samples(training, options.shift_seed, epoch, options.max_shift);
      optimizer.set_learning_rate(
          scheduled_learning_rate(base_learning_rate, options.learning_rate, step, total_steps));
      if (options.teacher != nullptr) {
        for (std::size_t k = 0; k < teacher_rows.size(); ++k) teacher_rows[k] = options.teacher->row(batch.samples()[k]);
      }
      const BatchRef ref{batch.rows(), batch.labels(),
                         options.teacher != nullptr ? std::span<const float* const>(teacher_rows)
                                                    : std::span<const float* const>()};
      const StepResult<T> s = training_step(net, optimizer, ref, [&] {
        if (step % snapshot_every == 0 || topology_changed) {
          const auto params = net.parameter_values();
          last_good.assign(params.begin(), params.end());
          last_good_step = step;
          topology_changed = false;
        }
        schedule.observe(net, step);
      });
      if (!s.stepped()) {
        // A snapshot from before the last topology change no longer fits the slots; the
        // parameters were then last written by a finite step, so they stay.
        if (!last_good.empty() && last_good.size() == net.parameter_values().size()) {
          std::copy(last_good.begin(), last_good.end(), net.parameter_values().begin());
        }
        result.diverged = true;
        const std::string what = s.outcome == StepOutcome::non_finite_loss
                                     ? "the training loss became " +
                                           std::string(std::isnan(s.loss) ? "NaN" : "infinite")
                                     : std::string("a gradient became non-finite");
        result.message = what + " in epoch " + std::to_string(epoch) + ", batch " + std::to_string(b + 1) +
                         "; restored the parameters of step " + std::to_string(last_good_step) +
                         ", the last snapshot known to give a finite loss (try a smaller learning rate)";
        break;
      }
      topology_changed = schedule.adjust(net, step, total_steps) || topology_changed;
      ++step;
      loss_sum += static_cast<double>(s.loss);
      on_batch((b + 1) * static_cast<std::size_t>(N), per_epoch);
    }
    if (result.diverged) break;
    const double train_seconds = seconds_since(epoch_start);
    EpochStats stats;
    stats.epoch = epoch;
    stats.train_loss = loss_sum / static_cast<double>(batches);
    stats.validation_accuracy = evaluate_accuracy(net, validation);
    stats.edges = net.edge_count();
    stats.parameters = net.parameter_count();
    stats.elapsed_s = seconds_since(start);
    stats.samples_per_s = static_cast<double>(per_epoch) / train_seconds;
    result.epochs.push_back(stats);
    if (schedule.eligible(net) &&
        (stats.validation_accuracy > result.best_validation_accuracy || result.best_epoch == 0)) {
      result.best_validation_accuracy = stats.validation_accuracy;
      result.best_epoch = epoch;
      if (options.keep_best) best = net;
    }
    on_epoch(stats);
  }
  if (options.keep_best && best && !result.diverged) net = *best;
  net.set_distillation(caller_distillation);
  optimizer.set_learning_rate(base_learning_rate);
  result.wall_s = seconds_since(start);
  return result;
}

}  // namespace chaosnet
