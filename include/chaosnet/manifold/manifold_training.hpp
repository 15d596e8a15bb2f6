#pragma once

// Training a Dynamic Neural Manifold (seed 003): Adam on every parameter, one batch per step
// from a caller's batch source, and seed 003's toy task (five N(0, 1) inputs a..e, fresh every
// step, four targets b + e, e − d, b + e + d, e − d − c; a is unused).

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/manifold/manifold_loss.hpp>
#include <chaosnet/manifold/manifold_model.hpp>
#include <chaosnet/train/optimizer.hpp>
#include <chaosnet/util/random.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace chaosnet {

/// One batch: inputs (B × inputs) and the targets the loss reads (labels or a value matrix).
struct ManifoldBatch {
  Eigen::MatrixXd x;
  std::vector<int> labels;
  Eigen::MatrixXd values;

  [[nodiscard]] ManifoldTargets targets() const {
    return {.labels = labels, .values = values.size() > 0 ? &values : nullptr};
  }
};

/// Seed 003's toy layout (25 neurons: 5 inputs, 16 comps, 4 outputs, period 5) and loss (MSE,
/// c_obj 1e4, c_flow 1, c_sp 0.1).
inline ManifoldLayout toy_manifold_layout() { return {.inputs = 5, .comps = 16, .outputs = 4, .period = 5}; }
inline ManifoldLossOptions toy_manifold_loss() {
  return {.objective = ManifoldObjective::mse, .objective_coefficient = 1e4, .flow_coefficient = 1,
          .sparsity_coefficient = 0.1, .l1_coefficient = 0};
}

/// A fresh batch of the toy task.
inline ManifoldBatch toy_manifold_batch(Rng& rng, Eigen::Index batch) {
  ManifoldBatch b;
  b.x.resize(batch, 5);
  for (Eigen::Index i = 0; i < b.x.size(); ++i) b.x(i) = util::normal(rng, 0, 1);
  const auto a = b.x.array();
  b.values.resize(batch, 4);
  b.values.col(0) = a.col(1) + a.col(4);
  b.values.col(1) = a.col(4) - a.col(3);
  b.values.col(2) = a.col(1) + a.col(4) + a.col(3);
  b.values.col(3) = a.col(4) - a.col(3) - a.col(2);
  return b;
}

/// The samples `indices` of `data` as a batch with class labels.
inline ManifoldBatch dataset_manifold_batch(const Dataset& data, std::span<const std::uint32_t> indices) {
  ManifoldBatch b;
  b.x.resize(static_cast<Eigen::Index>(indices.size()), static_cast<Eigen::Index>(data.features()));
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const auto image = data.image(indices[r]);
    for (std::size_t f = 0; f < image.size(); ++f) b.x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(f)) = image[f];
    b.labels.push_back(data.label(indices[r]));
  }
  return b;
}

/// Accuracy on every sample of `data` (argmax of the predictions), in chunks of 500 samples.
inline double evaluate_manifold_accuracy(const ManifoldModel& model, const Dataset& data) {
  ManifoldPass pass;
  std::size_t correct = 0;
  std::vector<std::uint32_t> chunk;
  for (std::size_t first = 0; first < data.size(); first += 500) {
    chunk.clear();
    for (std::size_t i = first; i < std::min(data.size(), first + 500); ++i) chunk.push_back(static_cast<std::uint32_t>(i));
    const ManifoldBatch b = dataset_manifold_batch(data, chunk);
    model.forward(b.x, pass);
    for (Eigen::Index r = 0; r < pass.prediction.rows(); ++r) {
      Eigen::Index best = 0;
      pass.prediction.row(r).maxCoeff(&best);
      correct += best == b.labels[static_cast<std::size_t>(r)] ? 1u : 0u;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

struct ManifoldTrainOptions {
  std::size_t steps = 5000;
  double learning_rate = 0.001;  ///< Adam's (seed: 0.002 for MNIST, 0.001 for the toy)
  ManifoldLossOptions loss = toy_manifold_loss();
};

/// What a step reports.
struct ManifoldStep {
  std::size_t step = 0;  ///< 1-based
  ManifoldLossParts loss;
};

/// Train `model` for options.steps Adam steps on batches from next_batch(step); calls
/// on_step(ManifoldStep) after each. Stops early, returning false, if the loss or a gradient
/// stops being finite (the parameters of the last finite step are kept).
template <class NextBatch, class OnStep>
bool train_manifold(ManifoldModel& model, const ManifoldTrainOptions& options, NextBatch&& next_batch,
                    OnStep&& on_step) {
  OptimizerOptions adam;
  adam.kind = OptimizerKind::adam;
  adam.learning_rate = options.learning_rate;
  adam.epsilon = 1e-8;  // TensorFlow's AdamOptimizer default
  Optimizer<double> optimizer(adam);
  ManifoldPass pass;
  Eigen::VectorXd grad;
  for (std::size_t step = 1; step <= options.steps; ++step) {
    const ManifoldBatch batch = next_batch(step);
    const ManifoldLossParts parts = manifold_loss(model, batch.x, batch.targets(), options.loss, pass, &grad);
    if (!std::isfinite(parts.total) || !grad.allFinite()) return false;
    optimizer.step(std::span<double>(model.values().data(), static_cast<std::size_t>(model.values().size())),
                   std::span<const double>(grad.data(), static_cast<std::size_t>(grad.size())));
    on_step(ManifoldStep{step, parts});
  }
  return true;
}

}  // namespace chaosnet
