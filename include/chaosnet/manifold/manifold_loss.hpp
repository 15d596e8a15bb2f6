#pragma once

// Seed 003's training loss: c_obj·objective + c_flow·(A − B)² + c_sp·pct², where A and B are
// the Σ|d̂| flowing from the inputs into the comps and from the comps into the outputs, and
// pct the share of usable cells that are nonzero. The seed counts nonzeros with a step
// function, so that term has no gradient and its "trade accuracy for size" knob does nothing:
// it is reported as the seed computes it, and a differentiable surrogate, c_l1·Σ|d̂|/cells,
// is what moves the size.

#include <chaosnet/manifold/manifold_model.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

namespace chaosnet {

enum class ManifoldObjective { cross_entropy, mse };

/// Coefficients as in the seed's MNIST notebook (toy: c_obj 1e4, c_flow 1, MSE).
struct ManifoldLossOptions {
  ManifoldObjective objective = ManifoldObjective::cross_entropy;
  double objective_coefficient = 1e3;
  double flow_coefficient = 1e-4;
  double sparsity_coefficient = 0.1;  ///< on pct², the seed's term: reported, no gradient
  double l1_coefficient = 0;          ///< on Σ|d̂| / usable cells: the surrogate that trains
};

/// What the targets are: class labels (cross-entropy) or a B × outputs matrix (MSE).
struct ManifoldTargets {
  std::span<const int> labels = {};
  const Eigen::MatrixXd* values = nullptr;
};

struct ManifoldLossParts {
  double total = 0;
  double objective = 0;  ///< mean cross-entropy or MSE, before its coefficient
  double flow = 0;       ///< (A − B)²
  double sparsity = 0;   ///< pct = nonzero / usable cells
  double l1 = 0;         ///< Σ|d̂| / usable cells
  std::size_t nonzero = 0;
  std::size_t correct = 0;  ///< cross-entropy: samples whose largest prediction is their label
};

/// The loss of `model` on one batch and, when `grad` is given (values() layout, zeroed first),
/// its gradient. Derivatives: cross-entropy ∂/∂prediction = (softmax − onehot)/B; MSE
/// 2(prediction − y)/(B·outputs); flow ±2(A − B)·sign(d̂) on the cells of A and of B; the L1
/// surrogate sign(d̂)/cells; pct² none.
inline ManifoldLossParts manifold_loss(const ManifoldModel& model, const Eigen::MatrixXd& x,
                                       const ManifoldTargets& targets, const ManifoldLossOptions& o,
                                       ManifoldPass& pass, Eigen::VectorXd* grad = nullptr) {
  const ManifoldLayout& layout = model.layout();
  model.forward(x, pass);
  const Eigen::Index batch = x.rows();
  const auto outputs = static_cast<Eigen::Index>(layout.outputs);
  ManifoldLossParts parts;
  Eigen::MatrixXd grad_prediction(batch, outputs);
  if (o.objective == ManifoldObjective::cross_entropy) {
    if (targets.labels.size() != static_cast<std::size_t>(batch)) {
      throw std::invalid_argument("chaosnet::manifold_loss: " + std::to_string(targets.labels.size()) + " labels for " +
                                  std::to_string(batch) + " samples");
    }
    for (Eigen::Index s = 0; s < batch; ++s) {
      const auto label = static_cast<Eigen::Index>(targets.labels[static_cast<std::size_t>(s)]);
      if (label < 0 || label >= outputs) throw std::invalid_argument("chaosnet::manifold_loss: label out of range");
      Eigen::Index best = 0;
      const double top = pass.prediction.row(s).maxCoeff(&best);
      parts.correct += best == label ? 1 : 0;
      const Eigen::ArrayXd e = (pass.prediction.row(s).array() - top).exp().transpose();
      const double sum = e.sum();
      parts.objective += (std::log(sum) + top - pass.prediction(s, label)) / static_cast<double>(batch);
      grad_prediction.row(s) = (e / sum).transpose() / static_cast<double>(batch);
      grad_prediction(s, label) -= 1.0 / static_cast<double>(batch);
    }
  } else {
    if (targets.values == nullptr || targets.values->rows() != batch || targets.values->cols() != outputs) {
      throw std::invalid_argument("chaosnet::manifold_loss: MSE needs a batch x outputs target matrix");
    }
    const Eigen::MatrixXd diff = pass.prediction - *targets.values;
    const double n = static_cast<double>(batch * outputs);
    parts.objective = diff.squaredNorm() / n;
    grad_prediction = 2 * diff / n;
  }

  // Flow: A over comp rows × input columns, B over output rows × comp columns.
  const auto inputs = static_cast<Eigen::Index>(layout.inputs);
  const auto comps = static_cast<Eigen::Index>(layout.comps);
  const double a = pass.weight.topLeftCorner(comps, inputs).cwiseAbs().sum();
  const double b = pass.weight.bottomRightCorner(outputs, comps).cwiseAbs().sum();
  parts.flow = (a - b) * (a - b);
  const double cells = static_cast<double>(layout.usable_cells());
  parts.nonzero = static_cast<std::size_t>((pass.weight.array() != 0).count());
  parts.sparsity = static_cast<double>(parts.nonzero) / cells;
  parts.l1 = pass.weight.cwiseAbs().sum() / cells;
  parts.total = o.objective_coefficient * parts.objective + o.flow_coefficient * parts.flow +
                o.sparsity_coefficient * parts.sparsity * parts.sparsity + o.l1_coefficient * parts.l1;
  if (grad == nullptr) return parts;

  const Eigen::MatrixXd sign = pass.weight.array().sign().matrix();
  Eigen::MatrixXd grad_weight = (o.l1_coefficient / cells) * sign;
  const double flow_scale = o.flow_coefficient * 2 * (a - b);
  grad_weight.topLeftCorner(comps, inputs) += flow_scale * sign.topLeftCorner(comps, inputs);
  grad_weight.bottomRightCorner(outputs, comps) -= flow_scale * sign.bottomRightCorner(outputs, comps);
  grad->setZero(model.values().size());
  model.backward(pass, o.objective_coefficient * grad_prediction, std::move(grad_weight), *grad);
  return parts;
}

}  // namespace chaosnet
