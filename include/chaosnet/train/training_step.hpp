#pragma once

// One step of gradient descent, as the trainer, the population and the benchmark all take it:
// forward and backward on a batch, then, only if the loss and every gradient are finite, the
// optimizer's update. A step that would write NaN or infinity into the parameters is refused and
// leaves them (and the optimizer's state) untouched, so the caller decides what divergence means.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/train/optimizer.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

namespace chaosnet {

/// What training_step() did.
enum class StepOutcome {
  stepped,              ///< the optimizer updated the parameters
  non_finite_loss,      ///< the loss was NaN or infinite: nothing updated
  non_finite_gradient,  ///< the loss was finite but a gradient was not: nothing updated
};

template <class T>
struct StepResult {
  T loss = 0;  ///< the batch's mean loss (whatever its value)
  StepOutcome outcome = StepOutcome::stepped;

  [[nodiscard]] bool stepped() const { return outcome == StepOutcome::stepped; }
};

/// Does nothing: the default of training_step()'s `before_update`.
struct NoHook {
  void operator()() const {}
};

/// Compute the gradients of `net` on `batch`, check the loss and the gradients are finite, and
/// if they are, call `before_update()` (the parameters are then known to give a finite loss, and
/// the first recording has put them in their final slots) and take one step of `optimizer`.
template <class T, int N, class BeforeUpdate = NoHook>
StepResult<T> training_step(Network<T, N>& net, Optimizer<T>& optimizer, const BatchRef& batch,
                            BeforeUpdate&& before_update = {}) {
  StepResult<T> result;
  result.loss = net.compute_gradients(batch);
  if (!std::isfinite(result.loss)) {
    result.outcome = StepOutcome::non_finite_loss;
    return result;
  }
  const auto gradients = net.gradients();
  if (!std::all_of(gradients.begin(), gradients.end(), [](T g) { return std::isfinite(g); })) {
    result.outcome = StepOutcome::non_finite_gradient;
    return result;
  }
  before_update();
  optimizer.step(net, gradients);
  return result;
}

/// training_step() on the samples of a DatasetBatch.
template <class T, int N, class BeforeUpdate = NoHook>
StepResult<T> training_step(Network<T, N>& net, Optimizer<T>& optimizer,
                            const DatasetBatch<N>& batch, BeforeUpdate&& before_update = {}) {
  return training_step(net, optimizer, BatchRef{batch.rows(), batch.labels()},
                       std::forward<BeforeUpdate>(before_update));
}

}  // namespace chaosnet
