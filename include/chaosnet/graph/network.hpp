#pragma once

// A topology that trains: Network<T, N> records its graph on a Tape<T, N> once per topology
// (one weighted-sum record and one mish per node, log-softmax NLL over the leaves) and replays
// it for every batch of N samples. Inference runs the same graph without recording.

#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>
#include <chaosnet/autodiff/kernels/activation.hpp>
#include <chaosnet/detail/denormals.hpp>
#include <chaosnet/detail/gather_batch.hpp>
#include <chaosnet/graph/topology.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// A batch of samples as the network reads it: one pointer per sample to its input_count()
/// features (sample-major, as datasets store them), and one class label per sample.
struct BatchRef {
  std::span<const float* const> rows;
  std::span<const int> labels;
};

template <class T, int N>
class Network : public Topology<T> {
 public:
  using Batch = Eigen::Array<T, N, 1>;
  static constexpr int batch_size = N;

  using Topology<T>::Topology;
  explicit Network(Topology<T> topology) : Topology<T>(std::move(topology)) {}
  /// A clone: same topology, ids and parameter values, independent from here on. The recorded
  /// tape is not copied; the clone records its own on first use.
  Network(const Network& other) : Topology<T>(other) {}
  Network& operator=(const Network& other) {
    Topology<T>::operator=(other);
    recording_.reset();
    return *this;
  }
  Network(Network&&) noexcept = default;
  Network& operator=(Network&&) noexcept = default;
  ~Network() = default;

  /// Forward and backward on one batch of N samples: returns the mean NLL loss and leaves the
  /// gradient of every parameter in gradients(). The first call after a topology change records
  /// the graph (and compacts the parameter slots); later calls replay the recording.
  T compute_gradients(const BatchRef& batch) {
    check_batch(batch, true);
    const detail::FlushDenormals flush;
    if (!recording_ || recording_->version != this->version()) {
      record(batch);
    } else {
      Recording& r = *recording_;
      const auto params = this->parameter_values();
      std::copy(params.begin(), params.end(), r.tape.scalar_values().begin());
      // Input leaves are batch slots 0..I-1 (recorded first); unused ones are never read.
      detail::gather_batch<T, N>(batch.rows.data(), this->input_count(), r.tape.batch_values().data());
      r.tape.set(r.targets, batch.labels);
      r.tape.forward();
    }
    Recording& r = *recording_;
    r.tape.zero_grad();
    r.tape.backward(r.loss);
    return r.loss.value();
  }

  /// d loss / d parameter from the last compute_gradients(), by slot like parameter_values().
  [[nodiscard]] std::span<const T> gradients() const {
    if (!recording_ || recording_->version != this->version()) {
      throw std::logic_error(
          "chaosnet::Network::gradients: no gradients for the current topology; call "
          "compute_gradients() after the last mutation");
    }
    return recording_->tape.scalar_grads().first(this->parameter_values().size());
  }

  /// How many times the graph has been recorded (once per topology that was trained).
  [[nodiscard]] std::size_t recordings() const { return recordings_; }

  /// Class logits of N samples without recording anything: logits[c][k] is class c of sample k.
  void predict_logits(std::span<const float* const> rows, std::span<Batch> logits) {
    check_batch({rows, {}}, false);
    const detail::FlushDenormals flush;
    if (logits.size() != this->output_count()) {
      throw std::invalid_argument("chaosnet::Network::predict_logits: " +
                                  std::to_string(logits.size()) + " logit rows for " +
                                  std::to_string(this->output_count()) + " outputs");
    }
    const auto nodes = this->nodes();
    const auto params = this->parameter_values();
    values_.resize(nodes.size());
    detail::gather_batch<T, N>(rows.data(), this->input_count(), values_.data());
    for (std::size_t p = this->input_count(); p < nodes.size(); ++p) {
      const Node& v = nodes[p];
      Batch acc = Batch::Constant(v.bias == no_param ? T(0) : params[v.bias]);
      for (std::size_t i = 0; i < v.sources.size(); ++i) {
        acc += params[v.weights[i]] * values_[this->position(v.sources[i])];
      }
      values_[p] = v.kind == NodeKind::normal ? detail::MishFn::value(acc) : acc;
    }
    const std::size_t first_leaf = nodes.size() - this->output_count();
    for (std::size_t c = 0; c < logits.size(); ++c) logits[c] = values_[first_leaf + c];
  }

  /// The predicted class (argmax of the logits, lowest class on ties) of N samples.
  std::array<int, static_cast<std::size_t>(N)> predict(std::span<const float* const> rows) {
    logits_.resize(this->output_count());
    predict_logits(rows, logits_);
    std::array<int, static_cast<std::size_t>(N)> classes{};
    for (int k = 0; k < N; ++k) {
      int best = 0;
      for (std::size_t c = 1; c < logits_.size(); ++c) {
        if (logits_[c][k] > logits_[static_cast<std::size_t>(best)][k]) best = static_cast<int>(c);
      }
      classes[static_cast<std::size_t>(k)] = best;
    }
    return classes;
  }

 private:
  /// The recorded graph: parameter leaves in scalar slots 0..P-1 (slot order), input leaves in
  /// batch slots 0..I-1 (position order, written in place by gather_batch), then the node ops.
  struct Recording {
    Tape<T, N> tape;
    Targets<T, N> targets;
    Tensor0D<T, N> loss;
    std::uint64_t version = 0;
  };

  void check_batch(const BatchRef& batch, bool needs_labels) const {
    if (batch.rows.size() != static_cast<std::size_t>(N)) {
      throw std::invalid_argument("chaosnet::Network: a batch needs " + std::to_string(N) +
                                  " samples, got " + std::to_string(batch.rows.size()));
    }
    if (needs_labels && batch.labels.size() != static_cast<std::size_t>(N)) {
      throw std::invalid_argument("chaosnet::Network: a batch needs " + std::to_string(N) +
                                  " labels, got " + std::to_string(batch.labels.size()));
    }
  }

  void record(const BatchRef& batch) {
    this->compact_parameters();
    if (!recording_) recording_ = std::make_unique<Recording>();
    Recording& r = *recording_;
    r.tape.reset();  // keeps capacity from the previous topology
    Tape<T, N>& tape = r.tape;

    const auto params = this->parameter_values();
    const Tensor0DRange<T, N> parameters = tape.variables(params);  // slots 0..P-1, slot order

    const auto nodes = this->nodes();
    std::vector<Tensor1D<T, N>> values(nodes.size());
    for (std::size_t p = 0; p < this->input_count(); ++p) values[p] = tape.input(Batch::Zero());
    detail::gather_batch<T, N>(batch.rows.data(), this->input_count(), tape.batch_values().data());

    // Compacted parameters put each node's bias and then its weights in consecutive slots, and
    // its sources in position order (inputs first): the layout neuron() reads fastest.
    std::vector<Tensor1D<T, N>> sources;
    for (std::size_t p = this->input_count(); p < nodes.size(); ++p) {
      const Node& v = nodes[p];
      sources.clear();
      for (const NodeId s : v.sources) sources.push_back(values[this->position(s)]);
      const Tensor0D<T, N> bias = v.bias == no_param ? Tensor0D<T, N>{} : parameters[v.bias];
      if (sources.empty() && v.bias == no_param) {
        values[p] = tape.input(Batch::Zero());  // an unconnected leaf: logit 0
        continue;
      }
      const auto weights = sources.empty() ? Tensor0DRange<T, N>{}
                                           : parameters.subrange(v.weights.front(), sources.size());
      values[p] = neuron<T, N>(weights, sources, bias,
                               v.kind == NodeKind::normal ? Activation::mish : Activation::identity);
    }

    const auto leaves = std::span(values).last(this->output_count());
    r.targets = tape.targets(batch.labels);
    r.loss = mean(nll(log_softmax(leaves), r.targets));
    r.version = this->version();
    ++recordings_;
  }

  std::unique_ptr<Recording> recording_;
  std::size_t recordings_ = 0;
  std::vector<Batch> values_;  ///< inference scratch, by position
  std::vector<Batch> logits_;
};

}  // namespace chaosnet
