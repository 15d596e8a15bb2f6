#pragma once

// A topology that trains: Network<T, N> records its graph on a Tape<T, N> once per topology
// (one sparse_dag op for all the nodes, then log-softmax NLL over the leaves) and replays it for
// every batch of N samples. Inference replays a forward-only recording of the same graph.

#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/sparse_dag.hpp>
#include <chaosnet/autodiff/tape.hpp>
#include <chaosnet/util/denormals.hpp>
#include <chaosnet/util/gather_batch.hpp>
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
    training_.reset();
    inference_.reset();
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
    const util::FlushDenormals flush;
    Recording& r = prepare(training_, batch.rows, batch.labels);
    r.tape.zero_grad();
    r.tape.backward(r.loss);
    return r.loss.value();
  }

  /// d loss / d parameter from the last compute_gradients(), by slot like parameter_values().
  [[nodiscard]] std::span<const T> gradients() const {
    if (!training_ || training_->version != this->version()) {
      throw std::logic_error(
          "chaosnet::Network::gradients: no gradients for the current topology; call "
          "compute_gradients() after the last mutation");
    }
    return training_->tape.scalar_grads().first(this->parameter_values().size());
  }

  /// How many times the graph has been recorded for training (once per topology trained).
  [[nodiscard]] std::size_t recordings() const { return recordings_; }

  /// Class logits of N samples without the loss or any gradient work: logits[c][k] is class c
  /// of sample k. Replays a forward-only recording of the same graph.
  void predict_logits(std::span<const float* const> rows, std::span<Batch> logits) {
    check_batch({rows, {}}, false);
    if (logits.size() != this->output_count()) {
      throw std::invalid_argument("chaosnet::Network::predict_logits: " +
                                  std::to_string(logits.size()) + " logit rows for " +
                                  std::to_string(this->output_count()) + " outputs");
    }
    const util::FlushDenormals flush;
    const Recording& r = prepare(inference_, rows, {});
    for (std::size_t c = 0; c < logits.size(); ++c) logits[c] = r.logits[c].value();
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
  /// A recorded graph: parameter leaves in scalar slots 0..P-1 (slot order), input leaves in
  /// batch slots 0..I-1 (position order, written in place by gather_batch), then one sparse_dag
  /// op for all the nodes, and for training the log-softmax NLL loss.
  struct Recording {
    Tape<T, N> tape;
    Tensor1DRange<T, N> logits;
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

  /// The recording `slot` holds for the current topology, with these rows (and labels, when
  /// training) loaded and the forward pass done: recorded afresh after a topology change,
  /// replayed otherwise.
  Recording& prepare(std::unique_ptr<Recording>& slot, std::span<const float* const> rows,
                     std::span<const int> labels) {
    const bool training = !labels.empty();
    if (!slot || slot->version != this->version()) {
      record(slot, rows, labels);
      return *slot;
    }
    Recording& r = *slot;
    const auto params = this->parameter_values();
    std::copy(params.begin(), params.end(), r.tape.scalar_values().begin());
    util::gather_batch<T, N>(rows.data(), this->input_count(), r.tape.batch_values().data());
    if (training) r.tape.set(r.targets, labels);
    r.tape.forward();
    return r;
  }

  /// The nodes as a sparse DAG: units are the non-input nodes in position order, so a source's
  /// index in the spec is its position; weights and biases index the compacted parameters.
  [[nodiscard]] DagSpec dag_spec() const {
    DagSpec spec;
    spec.inputs = this->input_count();
    spec.outputs = this->output_count();
    const auto nodes = this->nodes();
    for (std::size_t p = this->input_count(); p < nodes.size(); ++p) {
      const Node& v = nodes[p];
      DagUnit unit;
      unit.activation = v.kind == NodeKind::normal ? Activation::mish : Activation::identity;
      unit.bias = v.bias == no_param ? dag_none : v.bias;
      unit.first_weight = v.weights.empty() ? 0 : v.weights.front();
      unit.first_source = static_cast<std::uint32_t>(spec.sources.size());
      unit.source_count = static_cast<std::uint32_t>(v.sources.size());
      for (const NodeId s : v.sources) spec.sources.push_back(static_cast<std::uint32_t>(this->position(s)));
      spec.units.push_back(unit);
    }
    return spec;
  }

  void record(std::unique_ptr<Recording>& slot, std::span<const float* const> rows,
              std::span<const int> labels) {
    this->compact_parameters();  // contiguous weights per node, sources in position order
    if (!slot) slot = std::make_unique<Recording>();
    Recording& r = *slot;
    r.tape.reset();  // keeps capacity from the previous topology
    Tape<T, N>& tape = r.tape;
    const Tensor0DRange<T, N> parameters = tape.variables(this->parameter_values());
    std::vector<Tensor1D<T, N>> inputs;
    inputs.reserve(this->input_count());
    for (std::size_t p = 0; p < this->input_count(); ++p) inputs.push_back(tape.input(Batch::Zero()));
    util::gather_batch<T, N>(rows.data(), this->input_count(), tape.batch_values().data());
    r.logits = sparse_dag<T, N>(dag_spec(), inputs, parameters,
                                labels.empty() ? DagMode::inference : DagMode::training);
    if (!labels.empty()) {
      r.targets = tape.targets(labels);
      r.loss = mean(nll(log_softmax(r.logits), r.targets));
      ++recordings_;
    }
    r.version = this->version();
  }

  std::unique_ptr<Recording> training_;
  std::unique_ptr<Recording> inference_;
  std::size_t recordings_ = 0;
  std::vector<Batch> logits_;  ///< predict() scratch
};

}  // namespace chaosnet
