#pragma once

// A ChaosNet classifier (seed 002): inputs → a cortex of spiking layers run for T ticks → a
// linear readout of the last layer's mean spikes → softmax. ChaosModel holds its shape and
// parameters; ChaosModelTape records it once on a tape of batch N and replays it per batch.

#include <chaosnet/autodiff/chaos_cortex.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/sparse_dag.hpp>
#include <chaosnet/autodiff/tape.hpp>
#include <chaosnet/data/dataset.hpp>
#include <chaosnet/dynamics/chaos_neuron.hpp>
#include <chaosnet/util/gather_batch.hpp>
#include <chaosnet/util/random.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// The shape and dynamics of a ChaosNet classifier.
struct ChaosModelConfig {
  std::size_t inputs = 784;
  std::vector<std::uint32_t> hidden = {512};  ///< spiking neurons per layer
  std::size_t classes = 10;
  ChaosNeuronParams params = chaos_experiment_params();
  TickMode mode = TickMode::independent;
  std::uint32_t ticks = 5;
  /// Inputs are fed as (x − mean)/std: the seed normalises MNIST with (0.1307, 0.3081).
  double input_mean = 0.1307;
  double input_std = 0.3081;
};

/// Where each block of a model's parameters starts in its flat parameter vector:
/// [W_in of every layer | W_rec of every layer but the last | readout weights | readout biases],
/// every matrix row-major with one row per receiving neuron (PyTorch's Linear layout).
struct ChaosModelLayout {
  std::vector<std::size_t> w_in, w_rec;
  std::size_t readout_weights = 0;
  std::size_t readout_biases = 0;
  std::size_t total = 0;

  explicit ChaosModelLayout(const ChaosModelConfig& config) {
    std::size_t fan_in = config.inputs;
    for (const std::uint32_t h : config.hidden) {
      w_in.push_back(total);
      total += std::size_t{h} * fan_in;
      fan_in = h;
    }
    for (std::size_t l = 0; l + 1 < config.hidden.size(); ++l) {
      w_rec.push_back(total);
      total += std::size_t{config.hidden[l]} * config.hidden[l];
    }
    readout_weights = total;
    total += config.classes * fan_in;
    readout_biases = total;
    total += config.classes;
  }
};

template <class T>
struct ChaosModel {
  ChaosModelConfig config;
  std::vector<T> parameters;  ///< laid out as ChaosModelLayout says
};

/// A model initialised as the seed does: W_in and W_rec Kaiming-uniform with a = 0.1
/// (U(±√(6/((1 + a²)·fan_in)))), the E/I sign rule on W_rec (rows [0, h − max(1, ⌊0.2h⌋)) made
/// non-negative, the rest non-positive: rows are the receiving neurons, as in the seed), the
/// readout Kaiming-normal on its fan-in (N(0, 2/fan_in)) with zero biases.
/// Throws std::invalid_argument for an empty shape.
template <class T>
ChaosModel<T> make_chaos_model(const ChaosModelConfig& config, Rng& rng) {
  if (config.inputs == 0 || config.classes < 2 || config.hidden.empty() || config.ticks == 0) {
    throw std::invalid_argument("chaosnet::make_chaos_model: needs inputs, at least 2 classes, a layer and a tick");
  }
  for (const std::uint32_t h : config.hidden) {
    if (h == 0) throw std::invalid_argument("chaosnet::make_chaos_model: a layer has no neurons");
  }
  const ChaosModelLayout layout(config);
  ChaosModel<T> model{config, std::vector<T>(layout.total, T(0))};
  auto kaiming_uniform = [&](std::size_t first, std::size_t count, std::size_t fan_in) {
    const double bound = std::sqrt(6.0 / ((1 + 0.1 * 0.1) * static_cast<double>(fan_in)));
    for (std::size_t i = 0; i < count; ++i) {
      model.parameters[first + i] = static_cast<T>(util::uniform_real(rng, -bound, bound));
    }
  };
  std::size_t fan_in = config.inputs;
  for (std::size_t l = 0; l < config.hidden.size(); ++l) {
    kaiming_uniform(layout.w_in[l], std::size_t{config.hidden[l]} * fan_in, fan_in);
    fan_in = config.hidden[l];
  }
  for (std::size_t l = 0; l < layout.w_rec.size(); ++l) {
    const std::size_t h = config.hidden[l];
    kaiming_uniform(layout.w_rec[l], h * h, h);
    const std::size_t excitatory = h - std::max<std::size_t>(1, h / 5);
    for (std::size_t row = 0; row < h; ++row) {
      for (std::size_t col = 0; col < h; ++col) {
        T& w = model.parameters[layout.w_rec[l] + row * h + col];
        w = row < excitatory ? std::abs(w) : -std::abs(w);
      }
    }
  }
  // Box–Muller from the portable uniform draws (std::normal_distribution is implementation-defined).
  const double readout_std = std::sqrt(2.0 / static_cast<double>(fan_in));
  for (std::size_t i = 0; i < config.classes * fan_in; ++i) {
    const double u1 = 1.0 - util::uniform_unit(rng);
    const double u2 = util::uniform_unit(rng);
    model.parameters[layout.readout_weights + i] = static_cast<T>(
        readout_std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
  }
  return model;
}

/// A ChaosModel recorded on a tape of batch N: set a batch, then train_step() or predict().
/// The parameters live on the tape while it exists (parameters() / gradients()); store()
/// copies them back into a model.
template <class T, int N>
class ChaosModelTape {
 public:
  using Batch = Eigen::Array<T, N, 1>;

  explicit ChaosModelTape(const ChaosModel<T>& model, std::uint64_t seed = 0) : config_(model.config) {
    const ChaosModelLayout layout(config_);
    if (model.parameters.size() != layout.total) {
      throw std::invalid_argument("chaosnet::ChaosModelTape: the model has " + std::to_string(model.parameters.size()) +
                                  " parameters, its shape needs " + std::to_string(layout.total));
    }
    const auto params = tape_.variables(model.parameters);
    std::vector<Tensor1D<T, N>> inputs;
    for (std::size_t i = 0; i < config_.inputs; ++i) inputs.push_back(tape_.input(Batch::Zero()));
    first_input_ = tape_.batch_values().size() - config_.inputs;
    std::vector<Tensor0DRange<T, N>> w_in, w_rec;
    std::size_t fan_in = config_.inputs;
    for (std::size_t l = 0; l < config_.hidden.size(); ++l) {
      w_in.emplace_back(params[layout.w_in[l]], std::size_t{config_.hidden[l]} * fan_in);
      fan_in = config_.hidden[l];
    }
    for (std::size_t l = 0; l < layout.w_rec.size(); ++l) {
      w_rec.emplace_back(params[layout.w_rec[l]], std::size_t{config_.hidden[l]} * config_.hidden[l]);
    }
    ChaosCortexOptions options{config_.params, config_.mode, config_.ticks, config_.hidden, seed};
    cortex_ = chaos_cortex<T, N>(inputs, w_in, w_rec, options);
    // The readout: one identity unit per class over every mean spike, with a bias.
    DagSpec readout;
    readout.inputs = fan_in;
    readout.outputs = config_.classes;
    for (std::uint32_t c = 0; c < config_.classes; ++c) {
      readout.units.push_back({.activation = Activation::identity,
                               .bias = static_cast<std::uint32_t>(layout.readout_biases + c),
                               .first_weight = static_cast<std::uint32_t>(layout.readout_weights + c * fan_in),
                               .first_source = static_cast<std::uint32_t>(readout.sources.size()),
                               .source_count = static_cast<std::uint32_t>(fan_in)});
      for (std::uint32_t i = 0; i < fan_in; ++i) readout.sources.push_back(i);
    }
    std::vector<Tensor1D<T, N>> spikes(cortex_.mean_spikes.begin(), cortex_.mean_spikes.end());
    logits_ = sparse_dag<T, N>(readout, spikes, params);
    const std::array<int, static_cast<std::size_t>(N)> no_labels{};
    targets_ = tape_.targets(no_labels);
    loss_ = mean(nll(log_softmax(logits_), targets_));
    parameter_count_ = layout.total;
  }

  /// Feed N samples (features as pointers into a dataset, as DatasetBatch gives them).
  void set_batch(std::span<const float* const> rows, std::span<const int> labels) {
    auto* inputs = tape_.batch_values().data() + first_input_;
    util::gather_batch<T, N>(rows.data(), config_.inputs, inputs);
    const T mean = static_cast<T>(config_.input_mean), scale = static_cast<T>(1 / config_.input_std);
    for (std::size_t i = 0; i < config_.inputs; ++i) inputs[i] = (inputs[i] - mean) * scale;
    tape_.set(targets_, labels);
  }

  /// Forward and backward on the current batch; returns the batch's mean cross-entropy.
  T train_step() {
    tape_.forward();
    tape_.zero_grad();
    tape_.backward(loss_);
    return loss_.value();
  }

  /// The predicted class of each sample of the current batch (argmax, lowest on ties).
  std::array<int, static_cast<std::size_t>(N)> predict() {
    tape_.forward();
    std::array<int, static_cast<std::size_t>(N)> out{};
    for (std::size_t k = 0; k < out.size(); ++k) {
      const auto sample = static_cast<Eigen::Index>(k);
      for (std::size_t c = 1; c < logits_.size(); ++c) {
        if (logits_[c].value()(sample) > logits_[static_cast<std::size_t>(out[k])].value()(sample)) out[k] = static_cast<int>(c);
      }
    }
    return out;
  }

  /// Change the neuron parameters (say, the failure probability) for the next passes.
  void set_params(const ChaosNeuronParams& params) { set_chaos_params(tape_, cortex_, params); }
  /// Restart the noise and failure stream: the same seed gives the same masks again.
  void set_stream(std::uint64_t seed) { set_chaos_stream(tape_, cortex_, seed, 0); }
  /// Continue the stream of `seed` as if `passes` forward passes had been drawn from it.
  void set_stream_position(std::uint64_t seed, std::uint64_t passes) { set_chaos_stream(tape_, cortex_, seed, passes); }

  [[nodiscard]] std::span<T> parameters() { return tape_.scalar_values().first(parameter_count_); }
  [[nodiscard]] std::span<const T> gradients() const { return tape_.scalar_grads().first(parameter_count_); }
  void store(ChaosModel<T>& model) const {
    const auto values = const_cast<Tape<T, N>&>(tape_).scalar_values().first(parameter_count_);
    model.parameters.assign(values.begin(), values.end());
  }

 private:
  ChaosModelConfig config_;
  Tape<T, N> tape_;
  std::size_t first_input_ = 0;
  std::size_t parameter_count_ = 0;
  ChaosCortexRecord<T, N> cortex_;
  Tensor1DRange<T, N> logits_;
  Targets<T, N> targets_;
  Tensor0D<T, N> loss_;
};

/// Accuracy of a recorded model on `data` with its noise and failure stream restarted at
/// `mask_seed` (the seed's evaluation is stochastic too: one seed is one set of masks).
template <class T, int N>
double evaluate_chaos_accuracy(ChaosModelTape<T, N>& model, const Dataset& data, std::uint64_t mask_seed) {
  if (data.empty()) throw std::invalid_argument("chaosnet::evaluate_chaos_accuracy: empty dataset");
  model.set_stream(mask_seed);
  std::size_t correct = 0;
  DatasetBatch<N> batch;
  for (std::size_t first = 0; first < data.size(); first += static_cast<std::size_t>(N)) {
    batch.fill_range(data, first);
    model.set_batch(batch.rows(), batch.labels());
    const auto predicted = model.predict();
    const std::size_t real = std::min(static_cast<std::size_t>(N), data.size() - first);
    for (std::size_t k = 0; k < real; ++k) correct += predicted[k] == data.label(first + k) ? 1u : 0u;
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

}  // namespace chaosnet
