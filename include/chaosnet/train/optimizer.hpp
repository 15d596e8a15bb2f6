#pragma once

// SGD (with optional momentum) and Adam. State is kept per parameter and keyed by the stable
// ParamId, so it survives mutation: after a topology change the optimizer remaps its state by
// id once, then updates in dense slot order. (The seed shared one Adam state per node: a bug.)

#include <chaosnet/util/denormals.hpp>
#include <chaosnet/util/enum_names.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace chaosnet {

enum class OptimizerKind { sgd, adam };

/// The names checkpoints and the CLI use.
constexpr util::EnumTable<OptimizerKind, 2> enum_names(OptimizerKind) {
  return {{{OptimizerKind::sgd, "sgd"}, {OptimizerKind::adam, "adam"}}};
}

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::adam;
  double learning_rate = 1e-3;
  double momentum = 0.0;  ///< SGD only: v ← μ·v + g, w ← w − lr·v (PyTorch's convention)
  double beta1 = 0.9;     ///< Adam
  double beta2 = 0.999;   ///< Adam
  double epsilon = 1e-8;  ///< Adam
  /// Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): w ← w − lr·λ·w before every
  /// update, for SGD and Adam alike; 0 turns it off.
  double weight_decay = 0.0;
};

/// The optimizer state of one parameter, as checkpoints store it.
template <class T>
struct ParameterState {
  T first = 0;        ///< SGD velocity, or Adam's first moment m
  T second = 0;       ///< Adam's second moment v
  T beta1_power = 1;  ///< β1^t for this parameter's own step count t (bias correction)
  T beta2_power = 1;  ///< β2^t
};

template <class T>
class Optimizer {
 public:
  explicit Optimizer(OptimizerOptions options = {}) : options_(options) {
    if (!(options.learning_rate > 0)) {
      throw std::invalid_argument("chaosnet::Optimizer: the learning rate must be positive, got " +
                                  std::to_string(options.learning_rate));
    }
    if (!(options.weight_decay >= 0 && options.weight_decay < 1 / options.learning_rate)) {
      throw std::invalid_argument("chaosnet::Optimizer: the weight decay must be in [0, 1/lr), got " +
                                  std::to_string(options.weight_decay));
    }
  }

  [[nodiscard]] const OptimizerOptions& options() const { return options_; }
  void set_learning_rate(double lr) { options_.learning_rate = lr; }

  /// One update of every parameter of `net` from `gradients` (slot-indexed, as
  /// Network::gradients() returns them).
  void step(Topology<T>& net, std::span<const T> gradients) {
    sync(net);
    update(net.parameter_values(), gradients);
  }

  /// One update of a parameter vector whose layout never changes (a dense model such as a
  /// chaos cortex); its state starts from zero at the first call.
  void step(std::span<T> params, std::span<const T> gradients) {
    if (!owners_.empty() || first_.size() != params.size()) {
      owners_.clear();
      first_.assign(params.size(), T(0));
      second_.assign(params.size(), T(0));
      beta1_power_.assign(params.size(), T(1));
      beta2_power_.assign(params.size(), T(1));
      synced_version_ = ~std::uint64_t{0};
    }
    update(params, gradients);
  }

  [[nodiscard]] std::uint64_t steps() const { return steps_; }

  /// The state of every parameter of `net`, keyed by ParamId (for checkpoints).
  [[nodiscard]] std::vector<std::pair<ParamId, ParameterState<T>>> state(const Topology<T>& net) {
    sync(net);
    std::vector<std::pair<ParamId, ParameterState<T>>> out;
    const auto ids = net.parameter_ids();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] != 0) out.push_back({ids[i], slot_state(i)});
    }
    return out;
  }
  /// Restore state saved by state(); parameters it does not mention start fresh.
  void set_state(const Topology<T>& net,
                 std::span<const std::pair<ParamId, ParameterState<T>>> saved, std::uint64_t steps) {
    owners_.clear();
    first_.clear();
    second_.clear();
    beta1_power_.clear();
    beta2_power_.clear();
    for (const auto& [id, s] : saved) {
      owners_.push_back(id);
      push_state(s);
    }
    synced_version_ = ~std::uint64_t{0};
    sync(net);
    steps_ = steps;
  }

 private:
  void update(std::span<T> params, std::span<const T> gradients) {
    const util::FlushDenormals flush;
    if (gradients.size() != params.size()) {
      throw std::invalid_argument("chaosnet::Optimizer::step: " + std::to_string(gradients.size()) +
                                  " gradients for " + std::to_string(params.size()) +
                                  " parameter slots");
    }
    // Whole-vector Eigen expressions so every update vectorises. Free slots (id 0) have zero
    // gradient and state, so their update is exactly 0 and they need no mask.
    using Vector = Eigen::Array<T, Eigen::Dynamic, 1>;
    Eigen::Map<Vector> w(params.data(), static_cast<Eigen::Index>(params.size()));
    const Eigen::Map<const Vector> g(gradients.data(), w.size());
    Eigen::Map<Vector> first(first_.data(), w.size());
    const T lr = static_cast<T>(options_.learning_rate);
    if (options_.weight_decay > 0) w *= 1 - lr * static_cast<T>(options_.weight_decay);
    if (options_.kind == OptimizerKind::sgd) {
      first = static_cast<T>(options_.momentum) * first + g;
      w -= lr * first;
    } else {
      const T b1 = static_cast<T>(options_.beta1);
      const T b2 = static_cast<T>(options_.beta2);
      Eigen::Map<Vector> second(second_.data(), w.size());
      Eigen::Map<Vector> beta1_power(beta1_power_.data(), w.size());
      Eigen::Map<Vector> beta2_power(beta2_power_.data(), w.size());
      first = b1 * first + (1 - b1) * g;
      second = b2 * second + (1 - b2) * g.square();
      beta1_power *= b1;
      beta2_power *= b2;
      // m̂ / (√v̂ + ε) with m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ), rearranged to need one division
      // instead of three (division dominates this loop): m·c / ((1 − β1ᵗ)(√v + ε·c)), c = √(1 − β2ᵗ).
      const auto c = (1 - beta2_power).sqrt();
      w -= lr * first * c / ((1 - beta1_power) * (second.sqrt() + static_cast<T>(options_.epsilon) * c));
    }
    ++steps_;
  }
  [[nodiscard]] ParameterState<T> slot_state(std::size_t i) const {
    return {first_[i], second_[i], beta1_power_[i], beta2_power_[i]};
  }
  void push_state(const ParameterState<T>& s) {
    first_.push_back(s.first);
    second_.push_back(s.second);
    beta1_power_.push_back(s.beta1_power);
    beta2_power_.push_back(s.beta2_power);
  }

  /// After a topology change, move every parameter's state to its new slot by ParamId; new
  /// parameters start from zero.
  void sync(const Topology<T>& net) {
    if (synced_version_ == net.version() && owners_.size() == net.parameter_ids().size()) return;
    std::unordered_map<ParamId, ParameterState<T>> by_id;
    by_id.reserve(owners_.size());
    for (std::size_t i = 0; i < owners_.size(); ++i) {
      if (owners_[i] != 0) by_id.emplace(owners_[i], slot_state(i));
    }
    const auto ids = net.parameter_ids();
    owners_.assign(ids.begin(), ids.end());
    first_.clear();
    second_.clear();
    beta1_power_.clear();
    beta2_power_.clear();
    for (const ParamId id : ids) {
      const auto it = by_id.find(id);
      push_state(id != 0 && it != by_id.end() ? it->second : ParameterState<T>{});
    }
    synced_version_ = net.version();
  }

  OptimizerOptions options_;
  std::vector<ParamId> owners_;  ///< the ParamId each slot's state belongs to
  std::vector<T> first_, second_, beta1_power_, beta2_power_;
  std::uint64_t synced_version_ = ~std::uint64_t{0};
  std::uint64_t steps_ = 0;
};

}  // namespace chaosnet
