#pragma once

// The seed's training setup for ChaosNet models (seed 002): AdamW (lr 1e-3, weight decay 1e-4)
// under a OneCycle cosine schedule (max 2e-3, 20% warm-up) stepped once per optimizer step,
// gradient-norm clipping at 1.0, cross-entropy, batch 128. The seed's raw-pixel script steps its
// OneCycle once per epoch (with the validation accuracy as argument), which leaves the rate near
// max/25 for the whole run; this steps it per optimizer step, as its other scripts do.
// The protocol's selection: the parameters kept are those of the epoch with the best validation
// accuracy.

#include <chaosnet/data/batch_sampler.hpp>
#include <chaosnet/data/dataset.hpp>
#include <chaosnet/dynamics/chaos_model.hpp>
#include <chaosnet/train/learning_rate.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/util/random.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

struct ChaosTrainOptions {
  std::size_t epochs = 10;
  double max_learning_rate = 2e-3;  ///< OneCycle's peak; it starts at max/25
  double warmup = 0.2;              ///< OneCycle's pct_start
  double weight_decay = 1e-4;       ///< AdamW's decoupled decay
  double clip_norm = 1.0;           ///< the global gradient norm is scaled down to this; 0: off
  std::uint64_t seed = 1;           ///< batch order and the training masks
  std::uint64_t validation_mask_seed = 0x5eed;  ///< the masks every validation pass uses
};

struct ChaosEpoch {
  double loss = 0;                ///< mean training cross-entropy over the epoch
  double validation_accuracy = 0;
};

struct ChaosTrainResult {
  std::vector<ChaosEpoch> epochs;
  std::size_t best_epoch = 0;     ///< 0-based; its parameters are the model's now
};

/// Scale `g` so that its L2 norm is at most max_norm (PyTorch's clip_grad_norm_, with its 1e-6
/// in the denominator); returns the norm before clipping.
template <class T>
double clip_gradient_norm(std::span<T> g, double max_norm) {
  double sum = 0;
  for (const T v : g) sum += static_cast<double>(v) * static_cast<double>(v);
  const double norm = std::sqrt(sum);
  const double coefficient = max_norm / (norm + 1e-6);
  if (max_norm > 0 && coefficient < 1) {
    for (T& v : g) v *= static_cast<T>(coefficient);
  }
  return norm;
}

/// Train `model` on `train` for options.epochs epochs at batch N, select on `validation`.
/// `on_step(step, total)` after every optimizer step and `on_epoch(epoch, result)` after every
/// epoch report progress. Throws std::runtime_error, naming the step, if the loss stops being
/// finite (the model then keeps the best parameters seen so far).
template <class T, int N>
ChaosTrainResult train_chaos_model(ChaosModel<T>& model, const Dataset& train, const Dataset& validation,
                                   const ChaosTrainOptions& options,
                                   const std::function<void(std::size_t, std::size_t)>& on_step = {},
                                   const std::function<void(std::size_t, const ChaosEpoch&)>& on_epoch = {}) {
  if (options.epochs == 0) throw std::invalid_argument("chaosnet::train_chaos_model: needs at least one epoch");
  ChaosModelTape<T, N> tape(model, options.seed);
  OptimizerOptions adam_options;
  adam_options.kind = OptimizerKind::adam;
  adam_options.learning_rate = options.max_learning_rate;
  adam_options.weight_decay = options.weight_decay;
  Optimizer<T> adamw(adam_options);
  BatchSampler sampler(train.size(), static_cast<std::size_t>(N));
  Rng rng = util::derive_rng(options.seed, 0xc4a05);
  const std::size_t steps_per_epoch = sampler.batches_per_epoch();
  const std::size_t total = steps_per_epoch * options.epochs;
  std::vector<T> gradients;
  DatasetBatch<N> batch;
  ChaosTrainResult result;
  double best = -1;
  std::size_t step = 0;
  for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
    double loss_sum = 0;
    for (std::size_t b = 0; b < steps_per_epoch; ++b, ++step) {
      batch.fill(train, sampler.next(rng));
      tape.set_batch(batch.rows(), batch.labels());
      const T loss = tape.train_step();
      if (!std::isfinite(static_cast<double>(loss))) {
        throw std::runtime_error("chaosnet::train_chaos_model: the loss is " + std::to_string(loss) +
                                 " at step " + std::to_string(step) + "; the best parameters so far are kept");
      }
      loss_sum += static_cast<double>(loss);
      const auto g = tape.gradients();
      gradients.assign(g.begin(), g.end());
      clip_gradient_norm<T>(gradients, options.clip_norm);
      adamw.set_learning_rate(one_cycle_learning_rate(options.max_learning_rate, step, total, options.warmup));
      adamw.step(tape.parameters(), gradients);
      if (on_step) on_step(step + 1, total);
    }
    ChaosEpoch record{loss_sum / static_cast<double>(steps_per_epoch), 0};
    // Validation draws its own fixed masks, then training resumes its stream where it was.
    record.validation_accuracy = evaluate_chaos_accuracy(tape, validation, options.validation_mask_seed);
    tape.set_stream_position(options.seed, (epoch + 1) * steps_per_epoch);
    result.epochs.push_back(record);
    if (record.validation_accuracy > best) {
      best = record.validation_accuracy;
      result.best_epoch = epoch;
      tape.store(model);
    }
    if (on_epoch) on_epoch(epoch, record);
  }
  return result;
}

}  // namespace chaosnet
